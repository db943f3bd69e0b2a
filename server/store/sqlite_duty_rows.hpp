#pragma once
// The statements of SqliteDutyStore, shared by its write and read halves: loading a call,
// computing its tally, and announcing a change on the log of every target group. Each runs
// inside the caller's transaction. Internal to the SQLite duty store.

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "muster/v1/duty.pb.h"
#include "muster/v1/event.pb.h"
#include "store/duty_store.hpp"
#include "store/sqlite_database.hpp"
#include "store/sqlite_event_log.hpp"

namespace muster::store::duty_rows {

extern const std::vector<std::string_view> migrations;

// A call as stored: the DutyCall as announced, with its current state.
struct CallRow {
    muster::v1::DutyCall call;
    std::string reason;  // of a close or cancel
    std::uint32_t reminders_sent = 0;
    std::int64_t last_reminder_ms = 0;
};

// A volunteer's current answer.
struct ResponseRow {
    muster::v1::DutyRespond::Answer answer = muster::v1::DutyRespond::ANSWER_UNSPECIFIED;
    bool waitlisted = false;
    std::string note;
    std::uint64_t seq = 0;  // the event that recorded this answer
};

// Who created a call, and the seq of its announcement in its group.
struct Origin {
    std::string created_by;
    std::uint64_t seq = 0;
};

Status no_such_call(const std::string& call_id);
bool is_active(muster::v1::DutyCall::State state);  // OPEN or FILLED

// nullopt when there is no such call.
Result<std::optional<CallRow>> load_call(Transaction& txn, const std::string& call_id);
Result<std::optional<ResponseRow>> load_response(Transaction& txn, const std::string& call_id,
                                                 const std::string& user);
Result<std::optional<Origin>> load_origin(Transaction& txn, const std::string& call_id);
Status insert_call(Transaction& txn, const muster::v1::DutyCall& call);
Status save_announcement(Transaction& txn, const std::string& call_id, std::uint64_t seq);
Status save_state(Transaction& txn, const std::string& call_id, muster::v1::DutyCall::State state,
                  const std::string& reason, std::int64_t now_ms);

// Accepted answers holding a slot (not wait-listed).
Result<std::uint32_t> accepted_count(Transaction& txn, const std::string& call_id);
// The tally of the call in its current state (user and answer left empty).
Result<muster::v1::DutyUpdate> tally_of(Transaction& txn, const CallRow& row);
// Members of the target groups who have not answered: group -> users, each ordered by id.
Result<std::vector<std::pair<std::string, std::vector<std::string>>>> silent_by_group(
    Transaction& txn, const std::string& call_id);
std::set<std::string> flatten(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& by_group);

// Appends one event per target group, filled by `fill`; returns the seq in the call's group.
Result<std::uint64_t> announce(Transaction& txn, SqliteEventLog& log,
                               const muster::v1::DutyCall& call, const DutyActor& actor,
                               std::int64_t now_ms,
                               const std::function<void(muster::v1::Event&)>& fill);
// The event in one group.
Result<std::uint64_t> announce_in(Transaction& txn, SqliteEventLog& log, const std::string& group,
                                  const DutyActor& actor, std::int64_t now_ms,
                                  const std::function<void(muster::v1::Event&)>& fill);

// One intent per recipient of `push` who is in `allowed`.
std::vector<push::PushIntent> intents_for(const DutyPush& push,
                                          const std::set<std::string>& allowed,
                                          std::int64_t now_ms);

// The responses of the record, in the order they were last changed.
Status read_responses(Transaction& txn, const std::string& call_id,
                      muster::v1::DutyCallRecord& record);

}  // namespace muster::store::duty_rows
