#pragma once
// Duty calls in Redis, shared by the nodes (see duty_store.hpp for the contract; the same
// semantics as SqliteDutyStore, pinned by the same integration suites).
//
// Atomicity: every change is ONE Lua script (redis_duty_scripts.cpp) that reads the call and
// its answers, decides (state, slots, waiting list, reminder round), writes, appends the
// resulting event to every target group's log with the chat append's own Lua
// (redis_lua::append(): seq, stream entry, PUBLISH) and records the push intents. Redis runs
// one script at a time, so two nodes' accepts for the last slot are serialised there: one
// wins, the other is refused (or wait-listed), and the tally events on the logs come in the
// order of the decisions. The tally and the events' payloads are built in Lua (a DutyUpdate
// and a DutyReminder are small messages of strings and integers; redis_lua::protobuf()); the
// node sends each target group's event head (group, time, sender) ready-made.
//
// Keys (redis/keys.hpp): a call's keys are under its group's hash tag; an index {duty}:calls
// says where (call -> target groups), read once per call and cached here (a call's targets
// never change). The pending count and the silent members come from the directory's member
// hashes, read inside the scripts: the tally is always that of the current members.
//
// Cost per change: one round trip (two for the first use of a call on a node), a script that
// passes once over the call's answers and once over its audience, and one XADD and PUBLISH
// per target group.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "redis/client.hpp"
#include "redis/keys.hpp"
#include "store/duty_store.hpp"
#include "store/push_outbox_limits.hpp"

namespace muster::store {

class RedisDutyStore final : public DutyStore {
  public:
    // `client`, `keys` and `clock` must outlive this.
    RedisDutyStore(redis::Client& client, const redis::Keys& keys, LogConfig log,
                   PushOutboxLimits push, const Clock& clock);

    void create(DutyCreation creation, Done<DutyCreated> done) override;
    void respond(DutyAnswer answer, Done<DutyChange> done) override;
    void close(DutyClosing closing, Done<DutyChange> done) override;
    void expire(std::string call_id, std::int64_t now_ms, Done<DutyChange> done) override;
    void remind(DutyReminding reminding, Done<DutyReminded> done) override;

    void audience(std::vector<std::string> groups, Done<std::vector<std::string>> done) override;
    void silent(std::string call_id, Done<std::vector<std::string>> done) override;
    void find(std::string call_id, Done<muster::v1::DutyCall> done) override;
    void get(std::string call_id, Done<muster::v1::DutyCallRecord> done) override;
    void list(DutyListQuery query, Done<std::vector<muster::v1::DutyCallRecord>> done) override;
    void list_active(Done<std::vector<DutyTimerState>> done) override;

    // A call's target groups, its group first (immutable).
    using Targets = std::shared_ptr<const std::vector<std::string>>;

    // What duty_read returns (redis_duty_scripts.cpp).
    struct Snapshot {
        muster::v1::DutyCall call;  // with its current state
        muster::v1::DutyUpdate tally;
        std::vector<std::string> items;  // per `what`: answers (6 fields each) or silent users
    };

  private:
    // KEYS and ARGV of a duty script (the layout of redis_lua::duty()), up to its own ARGV.
    struct Invocation {
        std::vector<std::string> keys;
        std::vector<std::string> args;
    };
    [[nodiscard]] Invocation invocation(const std::string& call_id, const Targets& targets,
                                        std::int64_t now_ms, const DutyActor& actor) const;

    void locate(const std::string& call_id, Done<Targets> done);
    void remember(const std::string& call_id, Targets targets);
    // Runs a changing script (respond, close, expire) on a located call.
    void change(const redis::Script& script, const std::string& call_id, std::int64_t now_ms,
                DutyActor actor, std::vector<std::string> own, Done<DutyChange> done);
    // duty_read with `what` ("call", "summary", "record", "silent").
    void read(const std::string& call_id, std::string what, Done<Snapshot> done);

    redis::Client& client_;
    const redis::Keys& keys_;
    const LogConfig log_;
    const PushOutboxLimits push_;
    const Clock& clock_;

    std::mutex mutex_;
    std::unordered_map<std::string, Targets> targets_;  // bounded: cleared when full
};

}  // namespace muster::store
