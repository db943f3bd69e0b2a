#pragma once
// Online branch meetings (docs/PROTOCOL.md "Meetings"): the meeting_* commands, the attendance
// report over HTTP, and the timers that close roll calls and drop participants whose
// connection was lost. The rules are in rules.hpp, the state in a store::MeetingStore.
//
// Threads: commands run on their client's loop, timers on the node's first loop, store
// completions on the store's thread; what this class shares between them is thread-safe
// (JoinedSessions, Timers, atomics).

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "features/meetings/joined_sessions.hpp"
#include "node/http_router.hpp"
#include "node/services.hpp"
#include "store/meeting_store.hpp"

namespace muster::features::meetings {

class MeetingFeature final : public node::Feature {
  public:
    // `store` must outlive the node's store (jobs it queues complete before that closes).
    explicit MeetingFeature(store::MeetingStore& store) : store_(store) {}

    void install(node::NodeServices& services, node::CommandRegistry& commands,
                 node::HttpRouter& routes) override;
    // Start-up: every connection recorded before is gone; puts their attendance on grace and
    // re-arms the timers of unfinished meetings. Blocks (before the loops run).
    // That holds for the embedded store, which one node owns. Nodes sharing a store must only
    // forget the connections of nodes that are gone (connections would carry their node's id,
    // checked against node liveness) before the feature runs on them.
    void start() override;
    void stop() override;

    // For the command handlers and routes.
    node::NodeServices& services() { return *services_; }
    store::MeetingStore& store() { return store_; }
    JoinedSessions& sessions() { return sessions_; }

    // Runs a rule in the store, then arms timers and counts what happened.
    boost::asio::awaitable<Result<store::MeetingApplied>> apply(std::string meeting_id,
                                                                store::MeetingRule rule);
    boost::asio::awaitable<Result<store::MeetingApplied>> create(muster::v1::MeetingRecord record,
                                                                 store::MeetingChange first);
    boost::asio::awaitable<Result<muster::v1::MeetingRecord>> get(std::string meeting_id);
    // The group's direct members.
    boost::asio::awaitable<Result<std::vector<store::MemberInfo>>> members(std::string group);

  private:
    void after(const store::MeetingApplied& applied);
    void connection_closed(const std::string& user, const std::string& session);
    void lose(const std::string& meeting, const std::string& user, const std::string& session,
              std::int64_t lost_ms);
    void arm_drop(const std::string& meeting, const std::string& user, std::int64_t at_ms);
    void arm_roll_close(const muster::v1::MeetingState& state);
    void drop_due(const std::string& meeting, const std::string& user);
    void close_roll_due(const std::string& meeting, const std::string& group);
    // Runs `fn` a little later on the timers' loop (a store that was unavailable).
    void retry_later(std::function<void()> fn);
    // Completion of the timer- and close-driven changes (no client waits for them).
    void finished(const char* what, const std::string& meeting, Result<store::MeetingApplied> r);

    store::MeetingStore& store_;
    node::NodeServices* services_ = nullptr;
    JoinedSessions sessions_;
    std::atomic<bool> stopping_{false};
};

}  // namespace muster::features::meetings
