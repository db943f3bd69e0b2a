#include "store/sqlite/sqlite_duty_rows.hpp"

#include <unordered_map>

namespace muster::store::duty_rows {

namespace v1 = muster::v1;
using features::duty::GroupMembers;
using features::duty::StoredDutyAnswer;

const std::vector<std::string_view> migrations = {
    // 1: calls, their target groups, answers.
    R"sql(
-- One row per call. `body` is the DutyCall as announced; the columns are what changes, or
-- what timers and listings look for. deadline_ms is the effective deadline (never 0).
CREATE TABLE duty_calls (
    call_id          TEXT PRIMARY KEY NOT NULL,
    group_id         TEXT NOT NULL,
    created_by       TEXT NOT NULL,               -- not in the audience: it is their call
    state            INTEGER NOT NULL,            -- muster.v1.DutyCall.State
    slots            INTEGER NOT NULL,
    waitlist         INTEGER NOT NULL,
    deadline_ms      INTEGER NOT NULL,
    created_at_ms    INTEGER NOT NULL,
    reminders_sent   INTEGER NOT NULL DEFAULT 0,
    last_reminder_ms INTEGER NOT NULL DEFAULT 0,
    closed_at_ms     INTEGER NOT NULL DEFAULT 0,
    reason           TEXT NOT NULL DEFAULT '',
    body             BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX duty_calls_by_state ON duty_calls(state, deadline_ms);
CREATE INDEX duty_calls_by_time ON duty_calls(created_at_ms);

CREATE TABLE duty_targets (
    group_id TEXT NOT NULL,
    call_id  TEXT NOT NULL,
    PRIMARY KEY (group_id, call_id)
) WITHOUT ROWID;
CREATE INDEX duty_targets_by_call ON duty_targets(call_id, group_id);

-- A volunteer's last answer. `ordinal` orders answers by when they were last changed (a
-- counter per call: the clock may give several answers the same millisecond); the first
-- wait-listed by ordinal moves up when a slot frees.
CREATE TABLE duty_responses (
    call_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    answer     INTEGER NOT NULL,                  -- muster.v1.DutyRespond.Answer
    waitlisted INTEGER NOT NULL DEFAULT 0,
    note       TEXT NOT NULL DEFAULT '',
    name       TEXT NOT NULL DEFAULT '',
    time_ms    INTEGER NOT NULL,
    ordinal    INTEGER NOT NULL,
    seq        INTEGER NOT NULL DEFAULT 0,        -- the DutyUpdate that recorded it
    PRIMARY KEY (call_id, user_id)
) WITHOUT ROWID;
)sql",
    // 2: the seq of the DutyCall event in the call's group, for the reply to a retried create.
    R"sql(
ALTER TABLE duty_calls ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
)sql",
    // 3: StoredDutyCall.timers_done (ended, or FILLED past its deadline): what list_active skips.
    R"sql(
ALTER TABLE duty_calls ADD COLUMN timers_done INTEGER NOT NULL DEFAULT 0;
UPDATE duty_calls SET timers_done = 1 WHERE state NOT IN (1, 2);
)sql",
};

Result<std::optional<StoredDutyCall>> load_record(sqlite::Transaction& txn,
                                                  const std::string& call_id, bool answers) {
    StoredDutyCall record;
    {
        auto select = txn.prepare(
            "SELECT body, state, reason, reminders_sent, last_reminder_ms, closed_at_ms, seq, "
            "timers_done FROM duty_calls WHERE call_id = ?1");
        if (!select) return select.status();
        select->bind_text(1, call_id);
        auto row = select->step();
        if (!row) return row.status();
        if (!*row) return std::optional<StoredDutyCall>{};
        if (!record.mutable_call()->ParseFromString(select->blob(0)))
            return Status(errc::internal, "duty call " + call_id + " is damaged in the store");
        record.mutable_call()->set_state(static_cast<v1::DutyCall::State>(select->int64(1)));
        record.set_reason(select->text(2));
        record.set_reminders_sent(static_cast<std::uint32_t>(select->int64(3)));
        record.set_last_reminder_ms(select->int64(4));
        record.set_closed_at_ms(select->int64(5));
        record.set_seq(select->seq(6));
        record.set_timers_done(select->int64(7) != 0);
    }
    if (!answers) return std::optional<StoredDutyCall>(std::move(record));
    auto select = txn.prepare(
        "SELECT user_id, answer, waitlisted, note, name, time_ms, ordinal, seq "
        "FROM duty_responses WHERE call_id = ?1 ORDER BY ordinal");
    if (!select) return select.status();
    select->bind_text(1, call_id);
    for (;;) {
        auto row = select->step();
        if (!row) return row.status();
        if (!*row) break;
        StoredDutyAnswer* a = record.add_answers();
        a->set_user(select->text(0));
        a->set_answer(static_cast<v1::DutyRespond::Answer>(select->int64(1)));
        a->set_waitlisted(select->int64(2) != 0);
        a->set_note(select->text(3));
        a->set_name(select->text(4));
        a->set_time_ms(select->int64(5));
        a->set_ordinal(select->seq(6));
        a->set_seq(select->seq(7));
    }
    return std::optional<StoredDutyCall>(std::move(record));
}

Result<Audience> load_audience(sqlite::Transaction& txn,
                               const google::protobuf::RepeatedPtrField<std::string>& groups) {
    Audience out;
    for (const auto& group : groups) {
        auto members =
            txn.prepare("SELECT user_id FROM members WHERE group_id = ?1 ORDER BY user_id");
        if (!members) return members.status();
        members->bind_text(1, group);
        GroupMembers found{group, {}};
        for (;;) {
            auto row = members->step();
            if (!row) return row.status();
            if (!*row) break;
            found.users.push_back(members->text(0));
        }
        out.push_back(std::move(found));
    }
    return out;
}

namespace {

Status insert_call(sqlite::Transaction& txn, const StoredDutyCall& record) {
    const v1::DutyCall& call = record.call();
    std::string body;
    if (!call.SerializeToString(&body)) return {errc::internal, "cannot serialise a duty call"};
    auto insert = txn.prepare(
        "INSERT INTO duty_calls (call_id, group_id, state, slots, waitlist, deadline_ms, "
        "created_at_ms, body, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!insert) return insert.status();
    insert->bind_text(1, call.call_id())
        .bind_text(2, call.group())
        .bind_int(3, call.state())
        .bind_int(4, call.slots())
        .bind_int(5, call.waitlist() ? 1 : 0)
        .bind_int(6, call.deadline_ms())
        .bind_int(7, call.created_at_ms())
        .bind_blob(8, body)
        .bind_text(9, call.created_by());
    if (auto status = insert->run(); !status) {
        if (status.code() == errc::conflict)
            return {errc::conflict, "duty call " + call.call_id() + " exists already"};
        return status;
    }
    for (const auto& group : call.target_groups()) {
        auto target = txn.prepare("INSERT INTO duty_targets (group_id, call_id) VALUES (?1, ?2)");
        if (!target) return target.status();
        target->bind_text(1, group).bind_text(2, call.call_id());
        if (auto status = target->run(); !status) return status;
    }
    return ok_status();
}

bool same(const StoredDutyAnswer& a, const StoredDutyAnswer& b) {
    return a.answer() == b.answer() && a.waitlisted() == b.waitlisted() && a.note() == b.note() &&
           a.name() == b.name() && a.time_ms() == b.time_ms() && a.ordinal() == b.ordinal() &&
           a.seq() == b.seq();
}

}  // namespace

Status save_record(sqlite::Transaction& txn, const StoredDutyCall* before,
                   const StoredDutyCall& after) {
    const std::string& call_id = after.call().call_id();
    if (before == nullptr) {
        if (Status s = insert_call(txn, after); !s) return s;
    }
    {
        auto update = txn.prepare(
            "UPDATE duty_calls SET state = ?2, reason = ?3, reminders_sent = ?4, "
            "last_reminder_ms = ?5, closed_at_ms = ?6, seq = ?7, timers_done = ?8 "
            "WHERE call_id = ?1");
        if (!update) return update.status();
        update->bind_text(1, call_id)
            .bind_int(2, after.call().state())
            .bind_text(3, after.reason())
            .bind_int(4, after.reminders_sent())
            .bind_int(5, after.last_reminder_ms())
            .bind_int(6, after.closed_at_ms())
            .bind_seq(7, after.seq())
            .bind_int(8, after.timers_done() ? 1 : 0);
        if (Status s = update->run(); !s) return s;
    }
    std::unordered_map<std::string, const StoredDutyAnswer*> earlier;
    if (before != nullptr) {
        for (const auto& a : before->answers()) earlier[a.user()] = &a;
    }
    for (const auto& a : after.answers()) {
        const auto found = earlier.find(a.user());
        if (found != earlier.end() && same(*found->second, a)) continue;
        auto upsert = txn.prepare(
            "INSERT INTO duty_responses (call_id, user_id, answer, waitlisted, note, name, "
            "time_ms, ordinal, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
            "ON CONFLICT (call_id, user_id) DO UPDATE SET answer = excluded.answer, "
            "waitlisted = excluded.waitlisted, note = excluded.note, name = excluded.name, "
            "time_ms = excluded.time_ms, ordinal = excluded.ordinal, seq = excluded.seq");
        if (!upsert) return upsert.status();
        upsert->bind_text(1, call_id)
            .bind_text(2, a.user())
            .bind_int(3, a.answer())
            .bind_int(4, a.waitlisted() ? 1 : 0)
            .bind_text(5, a.note())
            .bind_text(6, a.name())
            .bind_int(7, a.time_ms())
            .bind_seq(8, a.ordinal())
            .bind_seq(9, a.seq());
        if (Status s = upsert->run(); !s) return s;
    }
    return ok_status();
}

Result<std::vector<std::pair<std::string, std::string>>> names_of(
    sqlite::Transaction& txn, const std::vector<std::string>& users) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& user : users) {
        auto select = txn.prepare("SELECT name FROM users WHERE id = ?1");
        if (!select) return select.status();
        select->bind_text(1, user);
        auto row = select->step();
        if (!row) return row.status();
        if (*row) out.emplace_back(user, select->text(0));
    }
    return out;
}

}  // namespace muster::store::duty_rows
