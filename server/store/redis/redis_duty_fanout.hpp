#pragma once
// The second step of a duty call's change on Redis: carrying a decided update beyond the call's
// own hash slot, so that no script touches keys of two groups (a Redis Cluster refuses that).
//
// The first step (RedisDutyStore's version-checked swap, in the call's group's slot) decides,
// writes the record, appends the call's own group's events and, when the update has more to
// carry (events for other target groups, push intents), numbers it (the call's update number
// u = 1, 2, 3...; its push number p among those with intents) and keeps it beside the call
// (`duty_out`, a StoredDutyFanout per number) with the call in its group's `duty_pending`.
// complete() then carries every kept update in number order:
//   1. its intents to the outbox (duty_push_move in {push}; recorded once per p);
//   2. to each other target group (duty_fanout in that group's slot): its events appended
//      with the chat append's Lua and the call in the group's listing, only if that group took
//      update u - 1 and not u yet, so each group's log has each update once, in the call's
//      order, whoever carries it and however often;
//   3. forgets it (duty_fanned).
// Any failure stops the carrying there (later updates wait behind it); what is kept is carried
// by the next call of complete(): the node's next change of the call, the timers' sweep (which
// completes every pending call of every group: list_active) or a node that starts. Several
// nodes may carry the same call at once: the numbers make that harmless.
//
// Thread: call from any thread; `done` runs on the Redis thread. Errors: the first failure
// (UNAVAILABLE, Redis' error; INTERNAL for a kept update that does not parse).

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "core/config.hpp"
#include "muster/v1/duty_record.pb.h"
#include "redis/client.hpp"
#include "redis/keys.hpp"
#include "store/push_outbox_limits.hpp"

namespace muster::store {

class RedisDutyFanout {
  public:
    // A call's target groups, its group first.
    using Targets = std::shared_ptr<const std::vector<std::string>>;
    // Per update carried by this call of complete(): the seq each of its events got, in the
    // order of StoredDutyFanout.events (0 where another carrier had appended it already).
    using Carried = std::map<std::uint64_t, std::vector<std::uint64_t>>;

    // `client` and `keys` must outlive this.
    RedisDutyFanout(redis::Client& client, const redis::Keys& keys, LogConfig log,
                    PushOutboxLimits push);

    // Carries every update kept for the call, oldest first.
    void complete(const std::string& call_id, const Targets& targets, Done<Carried> done);

  private:
    struct Run;
    void next(const std::shared_ptr<Run>& run);
    void move_pushes(const std::shared_ptr<Run>& run, Done<bool> done);
    void carry(const std::shared_ptr<Run>& run, Done<std::vector<std::uint64_t>> done);
    void forget(const std::shared_ptr<Run>& run);
    void fail(const std::shared_ptr<Run>& run, Status status);

    redis::Client& client_;
    const redis::Keys& keys_;
    const LogConfig log_;
    const PushOutboxLimits push_;
};

}  // namespace muster::store
