#pragma once
// The rules of duty calls (docs/PROTOCOL.md "Duty calls"), written once, here, in C++: pure
// functions of a call's record and its audience that both stores run inside one atomic step
// (duty_store.hpp). Each builder returns a DutyRule; the *_of functions read its answer.
//
//   create   a new call, announced in every target group, pushed to the offline audience; the
//            same id again by the same creator is a retry (the first seq, nothing written),
//            by someone else CONFLICT.
//   respond  the last answer wins; an ACCEPT takes a free slot, else waits on the waiting list
//            when the call has one, else CONFLICT; the last free slot makes the call FILLED; a
//            DECLINE of a slot holder frees it: the longest waiting moves up, or a FILLED call
//            is OPEN again. The same answer and note again change nothing. CONFLICT when the
//            call is not OPEN or FILLED, or at or past its deadline.
//   close    OPEN or FILLED -> CLOSED or CANCELLED (with a reason); CONFLICT otherwise.
//   expire   OPEN at or past the deadline -> EXPIRED; a FILLED call stays FILLED (its timers
//            are done); anything else: nothing, so every node may ask.
//   remind   round N of an OPEN call before its deadline, once: a DutyReminder in each target
//            group naming its own silent members (no event where there are none), pushes.
//
// The tally: accepted (in the order they took their slot), wait-listed, declined, and pending:
// the audience (members of every target group but the creator) who have not answered. Users
// who answer through their token's groups claim (and the creator) count once they answer.

#include <cstddef>
#include <string>
#include <vector>

#include "features/duty/records.hpp"

namespace muster::features::duty {

DutyRule create_rule(DutyCreation creation);
DutyRule respond_rule(DutyAnswer answer);
DutyRule close_rule(DutyClosing closing);
DutyRule expire_rule(std::int64_t now_ms);
DutyRule remind_rule(DutyReminding reminding);

// The caller's answers, from what the store applied.
struct DutyCreated {
    std::uint64_t seq = 0;     // of the DutyCall event in the call's group
    std::uint32_t pushed = 0;  // push intents recorded
    bool duplicate = false;    // a retry by the creator: nothing written
};
DutyCreated created_of(const DutyApplied& applied);

// respond, close, expire: `seq` is the DutyUpdate's in the call's group (a repeat's: the
// first one's; 0 when nothing was appended).
struct DutyChange {
    muster::v1::DutyUpdate tally;
    std::uint64_t seq = 0;
    bool changed = false;
    bool waitlisted = false;
    muster::v1::DutyCall::State previous = muster::v1::DutyCall::STATE_UNSPECIFIED;
};
DutyChange change_of(DutyApplied applied);

struct DutyReminded {
    bool sent = false;               // false: the call is not OPEN or the round was sent already
    std::vector<std::string> users;  // the silent members reminded (every target group), ordered
    std::uint32_t pushed = 0;
    muster::v1::DutyCall::State state = muster::v1::DutyCall::STATE_UNSPECIFIED;
    // The record after this: the next round to ask for is reminders_sent + 1 (another node may
    // have sent the one asked for).
    std::uint32_t reminders_sent = 0;
    std::int64_t last_reminder_ms = 0;
    std::int64_t deadline_ms = 0;
};
DutyReminded reminded_of(const DutyApplied& applied);

// ---- views -----------------------------------------------------------------------------------

// OPEN or FILLED.
bool is_active(muster::v1::DutyCall::State state);
// The tally of the record now (user and answer left empty).
muster::v1::DutyUpdate tally(const StoredDutyCall& record, const Audience& audience);
// The same with the pending count already known (the members who have not answered).
muster::v1::DutyUpdate tally_with_pending(const StoredDutyCall& record, std::size_t pending);
// Per target group (the audience's order), its members but the creator who have not
// answered, ordered by id; groups with none are left out.
Audience silent_by_group(const StoredDutyCall& record, const Audience& audience);
// Everyone of silent_by_group once, ordered by id.
std::vector<std::string> silent(const StoredDutyCall& record, const Audience& audience);
// The call, its tally and (with `responses`) every answer in the order they last changed,
// named as they answered or, failing that, by snapshot.names.
muster::v1::DutyCallRecord view(const DutySnapshot& snapshot, bool responses);

}  // namespace muster::features::duty
