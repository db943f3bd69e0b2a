#pragma once
// The one idea of Muster: every group has an ordered event log. Chat, duty calls and meeting
// state are events on it; delivery, history and resume are built once, on this interface.
//
// Implementations: SqliteEventLog (embedded, one node) and RedisEventLog (shared by nodes).
// Either way an append assigns the next seq of the group, stores the event durably, and hands
// it to every node's bus subscribers *in seq order*, before `done` is called: a client that
// got the reply to its publish can rely on the event being in the log and on its way.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "core/bytes.hpp"
#include "muster/v1/event.pb.h"

namespace muster::store {

struct AppendRequest {
    // The event to append: group, time_ms, sender, sender_name and payload set by the caller;
    // seq is assigned by the log.
    muster::v1::Event event;
    // Idempotency: with a non-empty key, a second append with the same (group, user, key)
    // within the configured TTL stores nothing and returns the first seq with duplicate=true.
    std::string idempotency_user;
    std::string idempotency_key;
};

struct Appended {
    std::uint64_t seq = 0;
    bool duplicate = false;
    SharedBytes event;  // the stored Event, serialised with its seq; null when duplicate
};

struct LogRange {
    std::vector<SharedBytes> events;  // serialised Events, ascending seq
    std::uint64_t oldest_seq = 1;     // oldest retained seq; latest_seq + 1 when none is retained
    std::uint64_t latest_seq = 0;     // 0 when the group has no events yet
};

inline constexpr std::uint64_t newest = std::numeric_limits<std::uint64_t>::max();

class EventLog {
  public:
    virtual ~EventLog() = default;

    // NOT_FOUND if the group does not exist; UNAVAILABLE if the store cannot take more work.
    virtual void append(AppendRequest request, Done<Appended> done) = 0;

    // Up to `limit` events with seq > after_seq, ascending.
    virtual void read_after(std::string group, std::uint64_t after_seq, std::uint32_t limit,
                            Done<LogRange> done) = 0;

    // Up to `limit` events with seq < before_seq (the newest of them), ascending.
    // before_seq = newest reads the tail of the log.
    virtual void read_before(std::string group, std::uint64_t before_seq, std::uint32_t limit,
                             Done<LogRange> done) = 0;
};

}  // namespace muster::store
