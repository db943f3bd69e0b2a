#pragma once
// Duty calls in Redis, shared by the nodes (the contract: features/duty/duty_store.hpp; the
// same semantics as SqliteDutyStore, pinned by the same suites). Runs on one Redis and on a
// Redis Cluster alike: no script touches keys of two hash tags.
//
// A call is one hash under its group's tag (redis/keys.hpp): the serialised StoredDutyCall, its
// version, and the seqs the logs gave its events (the announcement's in `seq`, each answer's in
// `seq:<user>`: only the script that appends knows them). A change is optimistic:
//   1. read the record, its version and what is left to carry (one read-only script in the
//      call's slot), then the members of its target groups (one in the directory's);
//   2. run the feature's rule on them here, in C++;
//   3. write with the generic record_swap (store/redis/record_scripts.hpp), in the call's slot:
//      the record (only if its version is still the one read), the group's indexes (listing,
//      state, timers), the events for the call's own group and, when there is more to carry
//      (a subtree call's other groups, push intents), the update numbered and kept beside the
//      call;
//   4. carry what is kept (store/redis/redis_duty_fanout.hpp): the intents to the outbox, the
//      events to each other target group's log, each once and in the call's order.
// If another node changed the call in between, the swap writes nothing and the rule runs again
// on the newer record, up to RecordSwap::max_attempts times (then UNAVAILABLE: the call is
// busy, not stuck). No duty rule exists in Lua. So two nodes' accepts for the last slot: one swap
// holds, the other reads again and is refused (or wait-listed), and the tallies on the logs are in
// the order of the swaps. A change is answered once step 3 held: a failure of step 4 is logged and
// left to the next change of the call or the timers' sweep (list_active carries every call left
// pending, found through the groups), so the caller may see 0 for the seq of an event in
// another group.
//
// Per node, a call's changes are queued and applied one at a time in the order asked (a queue
// per call on the Redis thread), so a swap only ever loses to another node's change. The
// members are read before the swap and not version-checked (docs/ARCHITECTURE.md says why that
// is safe).
//
// {duty}:calls says where a call is (call -> target groups), read once per call and cached here
// (a call's targets never change). A create claims the id there (duty_claim, before the swap
// that creates the record), so a call id is created once across groups; a create that stopped
// between the two leaves a claim without a record: read as no call, completed by the create's
// retry. {duty}:groups lists the groups that calls were created in, for the timers' sweep and
// the unfiltered listing.
//
// Cost per change: three round trips (read, members, swap; one more for the first use of a
// call on a node, two more for a create), the record and the audience's ids over the wire both
// ways (O(answers + members)); with more to carry, one round trip to read it and, per update,
// one per other target group (in parallel), one to the outbox if it has intents and one to
// forget it. Plus three round trips per change another node made meanwhile.

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/config.hpp"
#include "features/duty/duty_store.hpp"
#include "redis/client.hpp"
#include "redis/keys.hpp"
#include "store/push_outbox_limits.hpp"
#include "store/redis/redis_duty_fanout.hpp"

namespace muster::store {

class RedisDutyStore final : public features::duty::DutyStore {
  public:
    // `client` and `keys` must outlive this.
    RedisDutyStore(redis::Client& client, const redis::Keys& keys, LogConfig log,
                   PushOutboxLimits push);

    void create(std::string call_id, std::vector<std::string> targets,
                features::duty::DutyRule rule, Done<features::duty::DutyApplied> done) override;
    void apply(std::string call_id, features::duty::DutyRule rule,
               Done<features::duty::DutyApplied> done) override;
    void read(std::string call_id, Done<features::duty::DutySnapshot> done) override;
    void find(std::string call_id, Done<muster::v1::DutyCall> done) override;
    void list(features::duty::DutyListQuery query,
              Done<std::vector<features::duty::DutySnapshot>> done) override;
    void list_active(Done<std::vector<features::duty::DutyTimerState>> done) override;
    void audience(std::vector<std::string> groups, Done<std::vector<std::string>> done) override;

    // A call's target groups, its group first (immutable).
    using Targets = std::shared_ptr<const std::vector<std::string>>;

    // A call as read: the record (empty when absent), its version, its audience, its last
    // update numbers and whether updates are kept to carry.
    struct Read {
        features::duty::StoredDutyCall record;
        std::string version;
        features::duty::Audience audience;
        std::uint64_t fan = 0;
        std::uint64_t pushfan = 0;
        bool pending = false;
    };

  private:
    struct Pending {
        features::duty::DutyRule rule;
        Done<features::duty::DutyApplied> done;
        Targets create;  // for a create: the new call's targets; null for a change
    };

    void locate(const std::string& call_id, Done<Targets> done);
    void remember(const std::string& call_id, Targets targets);
    void read_call(const std::string& call_id, const Targets& targets, bool audience,
                   Done<Read> done);
    void read_audience(const Targets& targets, Done<features::duty::Audience> done);
    // Moves the indexes of the layout before the cluster into the groups' (redis_duty_legacy.cpp);
    // true when there were any.
    void adopt_legacy(Done<bool> done);
    void adopt_calls(std::shared_ptr<std::vector<std::pair<std::string, std::string>>> calls,
                     std::shared_ptr<std::map<std::string, std::string>> deadlines,
                     Done<bool> done);
    // The groups that calls were created in ({duty}:groups), ordered.
    void groups_with_calls(Done<std::vector<std::string>> done);
    // Carries what is left of the calls `ids` (each failure logged and left for later).
    void carry_all(std::shared_ptr<std::vector<std::string>> ids, Done<bool> done);
    // The calls of `ids` that exist (with their audiences if asked), in the order given.
    void read_all(std::shared_ptr<std::vector<std::string>> ids, bool audience,
                  Done<std::vector<Read>> done);
    // Redis thread: the next queued change of the call, tried until its swap holds.
    void enqueue(std::string call_id, Pending pending);
    void attempt(const std::string& call_id, int attempt);
    void decide(const std::string& call_id, const Targets& targets, bool exists, int attempt);
    // A new call: its other target groups exist, then its id is claimed for its targets.
    void claim(const std::string& call_id, const Targets& targets, Done<bool> done);
    void swap(const std::string& call_id, const Targets& targets, int attempt, Read read,
              features::duty::DutyApplied applied);
    // Step 4, then the answer (the carried seqs filled in where this node appended them).
    void carry_then_finish(const std::string& call_id, const Targets& targets, std::uint64_t number,
                           features::duty::DutyApplied applied);
    void finish(const std::string& call_id, Result<features::duty::DutyApplied> result);

    redis::Client& client_;
    const redis::Keys& keys_;
    const LogConfig log_;
    const PushOutboxLimits push_;
    RedisDutyFanout fanout_;

    std::atomic<bool> adopted_{false};  // the layout before the cluster: adopted (or none)
    std::mutex mutex_;
    std::unordered_map<std::string, Targets> targets_;  // bounded: cleared when full

    // Redis thread only.
    std::unordered_map<std::string, std::deque<Pending>> queues_;
};

}  // namespace muster::store
