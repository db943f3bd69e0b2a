#pragma once
// What duty calls keep and decide (docs/PROTOCOL.md "Duty calls"): the record a rule decides on
// (muster.v1.StoredDutyCall, proto/muster/v1/duty_record.proto), what it reads beside it (the
// audience), and what it decides (DutyOutcome: the record to write, the events to append, the
// pushes to record). Plain data: the rules are in rules.hpp, the store contract in
// duty_store.hpp. Header-only, so that the store backends see these types without linking the
// feature.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "muster/v1/duty.pb.h"
#include "muster/v1/duty_record.pb.h"
#include "muster/v1/event.pb.h"
#include "store/push_outbox.hpp"

namespace muster::features::duty {

using muster::v1::StoredDutyAnswer;
using muster::v1::StoredDutyCall;

// The stored members of one target group, as the store read them with the record.
struct GroupMembers {
    std::string group;
    std::vector<std::string> users;
};
// One per target group of the call, in the call's order.
using Audience = std::vector<GroupMembers>;

// Who caused a change: the sender of the events it appends. Empty for the server (expiry).
struct DutyActor {
    std::string user;
    std::string name;
};

// A push notification to the members of `to` who, when the rule runs, are still in the
// audience and have not answered. The intent's user and created_ms are filled per recipient.
struct DutyPush {
    push::PushIntent intent;
    std::vector<std::string> to;
};

// ---- requests: what a rule is built from ----------------------------------------------------

struct DutyCreation {
    // Complete: call_id, group, target_groups (the group first), created_by, created_at_ms,
    // state OPEN, deadline_ms (the effective one, never 0).
    muster::v1::DutyCall call;
    DutyActor actor;
    DutyPush push;  // the announcement, for members with no connection
};

struct DutyAnswer {
    std::string call_id;
    DutyActor actor;
    muster::v1::DutyRespond::Answer answer = muster::v1::DutyRespond::ANSWER_UNSPECIFIED;
    std::string note;
    std::int64_t now_ms = 0;
};

struct DutyClosing {
    std::string call_id;
    DutyActor actor;
    bool cancel = false;  // CANCELLED rather than CLOSED
    std::string reason;
    std::int64_t now_ms = 0;
};

struct DutyReminding {
    std::string call_id;
    std::uint32_t round = 1;  // sent only if it is the next round (reminders_sent + 1)
    std::int64_t now_ms = 0;
    DutyPush push;  // for silent members with no connection
};

// ---- what a rule decides ---------------------------------------------------------------------

// An event to append to the log of event.group() (group, time, sender and payload set; the seq
// is the log's). The store fills `seq` once appended, and keeps it in the record where asked:
// in StoredDutyCall.seq for the announcement, in the answer of `answer_of` for an update that
// recorded an answer.
struct DutyAppend {
    muster::v1::Event event;
    bool announcement = false;
    std::string answer_of;
    std::uint64_t seq = 0;
};

// What the caller is told: the fields that apply to the rule that ran.
struct DutyResult {
    muster::v1::DutyUpdate tally;  // after the change (also when nothing changed)
    bool changed = false;          // false: a repeat, a retried create, or nothing was due
    bool waitlisted = false;       // the answer is an accept on the waiting list
    std::uint64_t seq = 0;         // a repeat's: the seq that recorded it first (else appends')
    muster::v1::DutyCall::State previous = muster::v1::DutyCall::STATE_UNSPECIFIED;
    std::vector<std::string> reminded;  // a reminder's silent members, every target group
};

struct DutyOutcome {
    bool write = false;  // the record changed: store it
    std::vector<DutyAppend> appends;
    push::PushFanout push;  // who is told by push (users with no connected device)
    DutyResult result;
};

// A rule: decides on the record (changing it in place) and the audience read with it. An
// empty record (no call_id) is a call that does not exist yet (create only). Pure: it may run
// more than once for one change (a Redis swap that lost to another node runs it again on the
// newer record), so it depends on its arguments only. An error refuses the change: nothing is
// written.
using DutyRule =
    std::function<Result<DutyOutcome>(StoredDutyCall& record, const Audience& audience)>;

// What the store answers: the record as written (seqs filled in) and the outcome, its appends'
// seqs filled in.
struct DutyApplied {
    StoredDutyCall record;
    DutyOutcome outcome;
};

// ---- reads -----------------------------------------------------------------------------------

// A call as stored, with its audience, read in one snapshot. `names`: the directory's names of
// answerers whose answer carries none (filled by DutyStore::read only).
struct DutySnapshot {
    StoredDutyCall record;
    Audience audience;
    std::vector<std::pair<std::string, std::string>> names;
};

// What a node needs to arm a call's timers.
struct DutyTimerState {
    std::string call_id;
    muster::v1::DutyCall::State state = muster::v1::DutyCall::OPEN;
    std::int64_t deadline_ms = 0;
    std::int64_t created_at_ms = 0;
    std::uint32_t reminders_sent = 0;
    std::int64_t last_reminder_ms = 0;  // 0: none yet
};

inline DutyTimerState timer_state(const StoredDutyCall& record) {
    DutyTimerState state;
    state.call_id = record.call().call_id();
    state.state = record.call().state();
    state.deadline_ms = record.call().deadline_ms();
    state.created_at_ms = record.call().created_at_ms();
    state.reminders_sent = record.reminders_sent();
    state.last_reminder_ms = record.last_reminder_ms();
    return state;
}

struct DutyListQuery {
    std::vector<std::string> groups;  // calls targeting any of these; empty: every call
    muster::v1::DutyCall::State state = muster::v1::DutyCall::STATE_UNSPECIFIED;  // any
    std::uint32_t limit = 50;
};

inline Status no_such_call(const std::string& call_id) {
    return {errc::not_found, "no such duty call: " + call_id};
}

}  // namespace muster::features::duty
