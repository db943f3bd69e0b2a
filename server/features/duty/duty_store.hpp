#pragma once
// The store contract of duty calls: where their records live, and the one way they change.
//
// A change is a rule (records.hpp DutyRule; the rules are rules.hpp) that the store runs
// atomically on the call's record and its audience: whatever the rule decides (the record, the
// events it appends to the target groups' logs, the push intents) is stored all together or not
// at all, and never on a record that changed meanwhile. So two acceptors on two nodes can never
// both take the last slot, a reminder round is sent once whoever asks, and the tallies on the
// logs come in the order of the decisions. The store holds no duty rule of its own.
//   SQLite (store/sqlite/sqlite_duty_store.hpp): the rule runs inside the writer's transaction.
//   Redis (store/redis/redis_duty_store.hpp): read the record, its version and the audience;
//   run the rule; write with the generic version-checked swap in the call's slot (the record,
//   the events of the call's own group, and the rest of the decision kept beside it); on a
//   lost swap, read and run the rule again. The rest (other target groups' events, push
//   intents) is then carried by a second step that is idempotent and, when it fails, completed
//   by the call's next change or the timers' sweep: each once and in the decisions' order,
//   possibly after the answer.
//
// The audience of a call is the stored members of its target groups (the group and, with
// include_subgroups, its subtree), read with the record (see docs/ARCHITECTURE.md for why
// reading them before a Redis swap is safe).
//
// Completions run on a store thread. Errors: a rule's own (NOT_FOUND, CONFLICT...); NOT_FOUND
// "no such duty call: X", "no such group: X" (an event for a group that does not exist: nothing
// is written); UNAVAILABLE when the store cannot take the work, or when a Redis swap kept losing
// to other nodes (bounded retries).

#include <string>
#include <vector>

#include "core/async.hpp"
#include "features/duty/records.hpp"

namespace muster::features::duty {

class DutyStore {
  public:
    virtual ~DutyStore() = default;

    // Runs `rule` on the call `call_id`, which may not exist yet (the rule then gets an empty
    // record and creates it); `targets` are the new call's target groups, its group first.
    virtual void create(std::string call_id, std::vector<std::string> targets, DutyRule rule,
                        Done<DutyApplied> done) = 0;
    // Runs `rule` on the existing call `call_id` (NOT_FOUND before the rule otherwise).
    virtual void apply(std::string call_id, DutyRule rule, Done<DutyApplied> done) = 0;

    // The call with its audience, and the directory's names of answerers who gave none.
    virtual void read(std::string call_id, Done<DutySnapshot> done) = 0;
    // The call as announced, with its current state (no answers, no audience).
    virtual void find(std::string call_id, Done<muster::v1::DutyCall> done) = 0;
    // Calls with their audiences (answers included, names not), newest first.
    virtual void list(DutyListQuery query, Done<std::vector<DutySnapshot>> done) = 0;
    // Calls whose timers are not done (StoredDutyCall.timers_done), as indexed for the sweep.
    virtual void list_active(Done<std::vector<DutyTimerState>> done) = 0;
    // Distinct stored members of the groups (the audience of a call to come), ordered.
    virtual void audience(std::vector<std::string> groups, Done<std::vector<std::string>> done) = 0;
};

}  // namespace muster::features::duty
