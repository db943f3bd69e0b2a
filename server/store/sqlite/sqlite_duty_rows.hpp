#pragma once
// The tables of SqliteDutyStore and the mapping of a duty call's record (StoredDutyCall) to
// their rows: load a record, write what a rule changed, read a call's audience. No rule here:
// the rules are the feature's (features/duty/rules.hpp). Each function runs inside the
// caller's transaction. Internal to the SQLite duty store.
//
// Tables (migrations of the feature "duty_calls"):
//   duty_calls      one row per call: its DutyCall as announced (body) and the record's
//                   other fields as columns (state, reason, reminders, timers_done, seq...)
//   duty_targets    (group, call): the calls sent to a group
//   duty_responses  one row per volunteer's last answer, with its ordinal and seq

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "features/duty/records.hpp"
#include "sqlite/database.hpp"

namespace muster::store::duty_rows {

using features::duty::Audience;
using features::duty::StoredDutyCall;

extern const std::vector<std::string_view> migrations;

// nullopt when there is no such call. With `answers` false, the record has none.
Result<std::optional<StoredDutyCall>> load_record(sqlite::Transaction& txn,
                                                  const std::string& call_id, bool answers = true);
// The stored members of each group, in the order given, each ordered by id.
Result<Audience> load_audience(sqlite::Transaction& txn,
                               const google::protobuf::RepeatedPtrField<std::string>& groups);
// Writes `after`: the call row (inserted with its targets when `before` is null) and the
// answers that differ from `before`'s.
Status save_record(sqlite::Transaction& txn, const StoredDutyCall* before,
                   const StoredDutyCall& after);

// The directory's names of the users, where it has one.
Result<std::vector<std::pair<std::string, std::string>>> names_of(
    sqlite::Transaction& txn, const std::vector<std::string>& users);

}  // namespace muster::store::duty_rows
