#pragma once
// Online branch meetings (docs/PROTOCOL.md "Meetings"): the meeting_* commands, the attendance
// report over HTTP, and the timers that close roll calls and drop participants whose
// connection was lost. The rules are in rules.hpp, the state in a MeetingStore.
//
// Threads: commands run on their client's loop, timers on the node's first loop, store
// completions on the store's thread; what this class shares between them is thread-safe
// (JoinedSessions, Timers, atomics).

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "features/chat/chat_tags.hpp"
#include "features/meetings/joined_sessions.hpp"
#include "features/meetings/meeting_groups.hpp"
#include "features/meetings/meeting_store.hpp"
#include "features/meetings/rules.hpp"
#include "features/meetings/sfu_bridge.hpp"
#include "features/meetings/signalling.hpp"
#include "node/caller.hpp"
#include "node/http_router.hpp"
#include "node/services.hpp"
#include "store/push_outbox.hpp"

namespace muster::features::meetings {

class MeetingFeature final : public node::Feature {
  public:
    // `store` must outlive the node's store (jobs it queues complete before that closes);
    // `sfu` (null: none configured) must outlive the node. `chat_tags` (null: no chat feature)
    // gets the validator of in-session chat (check_chat_tag) at install. `outbox` (null: no
    // pushes) records the pushes that tell members a meeting started (meeting_push.hpp); it
    // must outlive the node.
    explicit MeetingFeature(MeetingStore& store, SfuRooms* sfu = nullptr,
                            chat::ChatTags* chat_tags = nullptr, push::PushOutbox* outbox = nullptr)
        : store_(store), sfu_rooms_(sfu), chat_tags_(chat_tags), outbox_(outbox) {}

    void install(node::NodeServices& services, node::CommandRegistry& commands,
                 node::HttpRouter& routes) override;
    // Start-up: the connections recorded by processes that are gone (on the embedded store,
    // which one node owns: every one recorded before) are forgotten and their participants put
    // on grace; the timers of unfinished meetings are re-armed. Blocks (before the loops run).
    // On a shared store the same recovery runs whenever the store reports which processes are
    // alive (watch_liveness), so that a node that died has its participants dropped by the
    // others within the presence TTL plus the grace.
    void start() override;
    void stop() override;

    // For the command handlers and routes.
    node::NodeServices& services() { return *services_; }
    MeetingStore& store() { return store_; }
    JoinedSessions& sessions() { return sessions_; }
    // Voice and video: who may send video (config meeting.max_mesh_peers; a meeting with an
    // SFU room lets everyone).
    [[nodiscard]] MediaPolicy media_policy() const;
    // How `user`'s media flows in this meeting (MeetingReply.media of a participant).
    [[nodiscard]] muster::v1::MeetingMedia media_for(const muster::v1::MeetingRecord& record,
                                                     const std::string& user) const;
    SfuBridge& sfu() { return *sfu_; }

    // "<process>/<session>": how a connection of this node is recorded in meetings.
    [[nodiscard]] std::string connection_tag(const std::string& session) const {
        return store_.process() + "/" + session;
    }

    // Runs a rule in the store, then arms timers and counts what happened.
    boost::asio::awaitable<Result<MeetingApplied>> apply(std::string meeting_id, MeetingRule rule);
    boost::asio::awaitable<Result<MeetingApplied>> create(muster::v1::MeetingRecord record,
                                                          MeetingChange first);
    boost::asio::awaitable<Result<muster::v1::MeetingRecord>> get(std::string meeting_id);
    // The group's direct members.
    boost::asio::awaitable<Result<std::vector<store::MemberInfo>>> members(std::string group);
    // Tells the members with no connection that the meeting in `state` started, by push
    // (meeting_push.hpp); `by` started it. Nothing without an outbox.
    boost::asio::awaitable<void> announce_start(const muster::v1::MeetingState& state,
                                                const node::Caller& by);
    // In-session chat: the tag must name a meeting of the group the message is published to
    // (NOT_FOUND for no such meeting, INVALID_ARGUMENT for one of another group).
    boost::asio::awaitable<Status> check_chat_tag(std::string group, std::string meeting_id);

  private:
    // Meetings whose group this node remembers (a few hundred bytes each at most).
    static constexpr std::size_t max_known_meetings = 10'000;

    void after(const MeetingApplied& applied);
    // Forgets the connections of processes not in `live` (and, with `orphans`, puts every
    // participant without a connection on grace) in every unfinished meeting that has any.
    // `blocking`: wait for each change (start-up).
    void recover_gone(const std::vector<muster::v1::MeetingRecord>& meetings,
                      const std::vector<std::string>& live, bool orphans, bool blocking);
    void connection_closed(const std::string& user, const std::string& session);
    // `connection` as recorded (connection_tag()).
    void lose(const std::string& meeting, const std::string& user, const std::string& connection,
              std::int64_t lost_ms);
    void arm_drop(const std::string& meeting, const std::string& user, std::int64_t at_ms);
    void arm_roll_close(const muster::v1::MeetingState& state);
    void drop_due(const std::string& meeting, const std::string& user);
    void close_roll_due(const std::string& meeting, const std::string& group);
    // Runs `fn` a little later on the timers' loop (a store that was unavailable).
    void retry_later(std::function<void()> fn);
    // Completion of the timer- and close-driven changes (no client waits for them).
    void finished(const char* what, const std::string& meeting, Result<MeetingApplied> r);

    MeetingStore& store_;
    SfuRooms* sfu_rooms_;
    chat::ChatTags* chat_tags_;
    push::PushOutbox* outbox_;
    node::NodeServices* services_ = nullptr;
    std::unique_ptr<SfuBridge> sfu_;  // made at install (it needs the configuration)
    JoinedSessions sessions_;
    Signalling signalling_{*this};
    MeetingGroups groups_{max_known_meetings};
    std::atomic<bool> stopping_{false};
    // Liveness reports (shared stores): the processes alive at the last one; whether a
    // recovery failed and must be tried again.
    std::vector<std::string> previous_alive_;
    bool looked_ = false;
    std::atomic<bool> retry_recovery_{false};
};

}  // namespace muster::features::meetings
