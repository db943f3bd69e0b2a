#pragma once
// Duty calls in Redis, shared by the nodes (the contract: features/duty/duty_store.hpp; the
// same semantics as SqliteDutyStore, pinned by the same suites).
//
// A call is one hash under its group's tag (redis/keys.hpp): the serialised StoredDutyCall, its
// version, and the seqs the logs gave its events (the announcement's in `seq`, each answer's in
// `seq:<user>`: only the script that appends knows them). A change is optimistic:
//   1. read the record, its version and the members of its target groups in one read-only
//      script (hashes_read: one snapshot);
//   2. run the feature's rule on them here, in C++;
//   3. write with the generic record_swap (store/redis/record_scripts.hpp): the record (only if
//      its version is still the one read), the indexes, the events (appended to every target
//      group's log with the chat append's own Lua) and the push intents, in one script.
// If another node changed the call in between, the swap writes nothing and the rule runs again
// on the newer record, up to max_attempts times (then UNAVAILABLE: the call is busy, not
// stuck). No duty rule exists in Lua. So two nodes' accepts for the last slot: one swap holds,
// the other reads again and is refused (or wait-listed), and the tallies on the logs are in the
// order of the swaps.
//
// Per node, a call's changes are queued and applied one at a time in the order asked (a queue
// per call on the Redis thread), so a swap only ever loses to another node's change. The
// members are read with the record but not version-checked (docs/ARCHITECTURE.md says why that
// is safe).
//
// An index {duty}:calls says where a call is (call -> target groups), read once per call and
// cached here (a call's targets never change); creating writes it as a unique index entry, so
// a call id is created once across groups.
//
// Cost per change: two round trips (three for the first use of a call on a node), the record
// and the audience's ids over the wire both ways (O(answers + members)), one XADD and PUBLISH
// per target group; plus two round trips per change another node made meanwhile.

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/config.hpp"
#include "features/duty/duty_store.hpp"
#include "redis/client.hpp"
#include "redis/keys.hpp"
#include "store/push_outbox_limits.hpp"

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

    // A call as read: the record (empty when absent), its version, its audience.
    struct Read {
        features::duty::StoredDutyCall record;
        std::string version;
        features::duty::Audience audience;
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
    // The calls of `ids` that exist (with their audiences if asked), in the order given.
    void read_all(std::shared_ptr<std::vector<std::string>> ids, bool audience,
                  Done<std::vector<Read>> done);
    // Redis thread: the next queued change of the call, tried until its swap holds.
    void enqueue(std::string call_id, Pending pending);
    void attempt(const std::string& call_id, int attempt);
    void decide(const std::string& call_id, const Targets& targets, bool exists, int attempt);
    void finish(const std::string& call_id, Result<features::duty::DutyApplied> result);

    redis::Client& client_;
    const redis::Keys& keys_;
    const LogConfig log_;
    const PushOutboxLimits push_;

    std::mutex mutex_;
    std::unordered_map<std::string, Targets> targets_;  // bounded: cleared when full

    // Redis thread only.
    std::unordered_map<std::string, std::deque<Pending>> queues_;
};

}  // namespace muster::store
