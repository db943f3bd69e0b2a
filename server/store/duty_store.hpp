#pragma once
// Duty calls (docs/PROTOCOL.md "Duty calls"): the calls, their target groups and every
// volunteer's answer.
//
// Every decision that must hold when several nodes serve the same call is taken INSIDE one
// operation of this interface, atomically: the state transition, the slot count (accepted
// answers never exceed `slots`), the tally, and the event that announces the result, which is
// appended to the log of every target group in the same transaction. So two acceptors on two
// nodes can never both take the last slot, and a tally on the log is never one that was rolled
// back. A node keeps nothing about a call in memory but its timers, and rebuilds those from
// list_active().
//
// The audience of a call is the stored members of its target groups (the group and, with
// include_subgroups, its subtree), except its creator; `pending` counts those who have not
// answered, and they are the ones reminded. Users who may answer through their token's
// `groups` claim (and the creator, who may answer too) are counted once they answer.
//
// Implementations: SqliteDutyStore (embedded); RedisDutyStore later. Errors: NOT_FOUND "no
// such duty call: X"; CONFLICT for a transition the call's state does not allow (an answer to
// a closed call, an accept when every slot is taken and there is no waiting list, a second
// close); UNAVAILABLE when the store cannot take the work.

#include <cstdint>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "muster/v1/duty.pb.h"
#include "push/push_outbox.hpp"

namespace muster::store {

// Who caused a change: the sender of the events it appends. Empty for the server (expiry).
struct DutyActor {
    std::string user;
    std::string name;
};

// A push notification to the members of `to` who, inside the transaction, are still in the
// audience and have not answered (the others answered meanwhile: no push for them). The
// intent's user and created_ms are filled in per recipient.
struct DutyPush {
    push::PushIntent intent;
    std::vector<std::string> to;
};

struct DutyCreation {
    // Complete: call_id, group, target_groups (the group first), created_by, created_at_ms,
    // state OPEN, deadline_ms (the effective one, never 0).
    muster::v1::DutyCall call;
    DutyActor actor;
    DutyPush push;  // the announcement, for members with no connection
};

struct DutyCreated {
    std::uint64_t seq = 0;     // of the DutyCall event in the call's group
    std::uint32_t pushed = 0;  // push intents recorded
    bool duplicate = false;    // the call existed, by the same creator: a retry, nothing written
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

// The outcome of an answer, a close or the expiry.
struct DutyChange {
    muster::v1::DutyUpdate tally;  // after the change (also when nothing changed)
    std::uint64_t seq = 0;         // of the DutyUpdate event in the call's group; for a repeated
                                   // answer, the seq of the event that recorded it first
    bool changed = false;          // false: a repeat of the same answer, or nothing was due
    bool waitlisted = false;       // the answer is an accept on the waiting list
    muster::v1::DutyCall::State previous = muster::v1::DutyCall::STATE_UNSPECIFIED;
};

struct DutyReminding {
    std::string call_id;
    std::uint32_t round = 1;  // sent only if it is the next round (reminders_sent + 1)
    std::int64_t now_ms = 0;
    DutyPush push;  // for silent members with no connection
};

struct DutyReminded {
    bool sent = false;               // false: the call is not OPEN or the round was sent already
    std::vector<std::string> users;  // the silent members reminded (every target group)
    std::uint32_t pushed = 0;
    muster::v1::DutyCall::State state = muster::v1::DutyCall::STATE_UNSPECIFIED;
    // The call's reminder record after this: the next round to ask for is reminders_sent + 1
    // (another node may have sent the one asked for).
    std::uint32_t reminders_sent = 0;
    std::int64_t last_reminder_ms = 0;
    std::int64_t deadline_ms = 0;
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

struct DutyListQuery {
    std::vector<std::string> groups;  // calls targeting any of these; empty: every call
    muster::v1::DutyCall::State state = muster::v1::DutyCall::STATE_UNSPECIFIED;  // any
    std::uint32_t limit = 50;
};

class DutyStore {
  public:
    virtual ~DutyStore() = default;

    // Stores the call and appends its DutyCall event to every target group. NOT_FOUND if a
    // target group does not exist. When the call id exists already: by the same creator, a
    // retry (duplicate = true, the original seq, nothing written); else CONFLICT.
    virtual void create(DutyCreation creation, Done<DutyCreated> done) = 0;

    // Records an answer (the user's last answer wins) and appends the DutyUpdate with the new
    // tally. An ACCEPT takes a slot if one is free, else goes on the waiting list when the call
    // has one, else fails with CONFLICT; the last free slot taken makes the call FILLED. A
    // DECLINE from someone who held a slot frees it: the first on the waiting list moves up,
    // or a FILLED call is OPEN again. Repeating one's current answer with the same note
    // changes nothing (changed = false, the original seq). CONFLICT when the call is not OPEN
    // or FILLED, or its deadline has passed.
    virtual void respond(DutyAnswer answer, Done<DutyChange> done) = 0;

    // OPEN or FILLED -> CLOSED or CANCELLED, with a DutyUpdate. CONFLICT otherwise.
    virtual void close(DutyClosing closing, Done<DutyChange> done) = 0;

    // OPEN -> EXPIRED with a DutyUpdate when the deadline is <= now_ms; otherwise nothing
    // (changed = false), which makes it safe to call from every node. A FILLED call stays
    // FILLED: its deadline only stops further answers.
    virtual void expire(std::string call_id, std::int64_t now_ms, Done<DutyChange> done) = 0;

    // Sends reminder round `round` of an OPEN call: a DutyReminder event in each target group
    // naming its members who have not answered (no event where there are none), and push
    // intents. At most once per round, whichever node asks.
    virtual void remind(DutyReminding reminding, Done<DutyReminded> done) = 0;

    // Distinct stored members of the groups (the audience of a call to come).
    virtual void audience(std::vector<std::string> groups, Done<std::vector<std::string>> done) = 0;
    // Members of the call's target groups who have not answered, ordered by user id.
    virtual void silent(std::string call_id, Done<std::vector<std::string>> done) = 0;

    // The call as announced, with its current state.
    virtual void find(std::string call_id, Done<muster::v1::DutyCall> done) = 0;
    // The call, its tally and every response (in the order they were last changed).
    virtual void get(std::string call_id, Done<muster::v1::DutyCallRecord> done) = 0;
    // Calls with their tallies (no responses), newest first.
    virtual void list(DutyListQuery query, Done<std::vector<muster::v1::DutyCallRecord>> done) = 0;
    // Calls that may still need a timer: OPEN ones, and FILLED ones before their deadline.
    virtual void list_active(Done<std::vector<DutyTimerState>> done) = 0;
};

}  // namespace muster::store
