#pragma once
// meeting_signal (docs/PROTOCOL.md "Meeting media"): WebRTC signalling between the participants
// of a live meeting. The server relays, never stores: a signal becomes a transient Event (seq 0,
// payload meeting_signal) for the target's connections that joined the meeting, on whichever
// node they are, and is forgotten.
//
// Path: the sender's node checks the size, the sender connection's rate (a token bucket,
// meeting.signals_per_second / meeting.signal_burst), and the rule (rules.hpp may_signal, on
// the meeting's stored record), then tells every node (NodeServices::tell_nodes, the bus's
// control channel). Each node hands the event to the target's local connections that joined
// the meeting (JoinedSessions), or to the one named by to_session. The reply means "handed
// on", not "received": a target whose connection just dropped misses it, and WebRTC's own
// timeouts (and BYE / a new offer) take it from there.
//
// Threads: the command runs on the sender's loop; delivery on the bus's thread, posted to each
// receiver's loop. Memory: one bucket per connection that signalled, dropped when it closes.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "node/commands.hpp"
#include "node/services.hpp"

namespace muster::features::meetings {

class MeetingFeature;

class Signalling {
  public:
    explicit Signalling(MeetingFeature& feature) : feature_(feature) {}

    // Registers the command and this node's delivery of other nodes' signals.
    void install(node::NodeServices& services, node::CommandRegistry& commands);
    // A connection closed: its bucket goes.
    void forget(const std::string& session);

    // Takes one signal from the session's bucket; false when it is empty.
    bool take(const std::string& session);

  private:
    struct Bucket {
        double tokens = 0;
        std::int64_t at_ms = 0;
    };

    void deliver(const std::string& data);

    MeetingFeature& feature_;
    std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace muster::features::meetings
