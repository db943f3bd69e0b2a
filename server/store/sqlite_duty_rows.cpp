#include "store/sqlite_duty_rows.hpp"

namespace muster::store::duty_rows {

namespace v1 = muster::v1;

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
};

Status no_such_call(const std::string& call_id) {
    return {errc::not_found, "no such duty call: " + call_id};
}

bool is_active(v1::DutyCall::State state) {
    return state == v1::DutyCall::OPEN || state == v1::DutyCall::FILLED;
}

Result<std::optional<CallRow>> load_call(Transaction& txn, const std::string& call_id) {
    auto select = txn.prepare(
        "SELECT body, state, reason, reminders_sent, last_reminder_ms FROM duty_calls "
        "WHERE call_id = ?1");
    if (!select) return select.status();
    select->bind_text(1, call_id);
    auto row = select->step();
    if (!row) return row.status();
    if (!*row) return std::optional<CallRow>{};
    CallRow call;
    if (!call.call.ParseFromString(select->blob(0)))
        return Status(errc::internal, "duty call " + call_id + " is damaged in the store");
    call.call.set_state(static_cast<v1::DutyCall::State>(select->int64(1)));
    call.reason = select->text(2);
    call.reminders_sent = static_cast<std::uint32_t>(select->int64(3));
    call.last_reminder_ms = select->int64(4);
    return std::optional<CallRow>(std::move(call));
}

Result<std::optional<Origin>> load_origin(Transaction& txn, const std::string& call_id) {
    auto select = txn.prepare("SELECT created_by, seq FROM duty_calls WHERE call_id = ?1");
    if (!select) return select.status();
    select->bind_text(1, call_id);
    auto row = select->step();
    if (!row) return row.status();
    if (!*row) return std::optional<Origin>{};
    return std::optional<Origin>(Origin{select->text(0), select->seq(1)});
}

Status save_announcement(Transaction& txn, const std::string& call_id, std::uint64_t seq) {
    auto update = txn.prepare("UPDATE duty_calls SET seq = ?2 WHERE call_id = ?1");
    if (!update) return update.status();
    update->bind_text(1, call_id).bind_seq(2, seq);
    return update->run();
}

Result<std::optional<ResponseRow>> load_response(Transaction& txn, const std::string& call_id,
                                                 const std::string& user) {
    auto select = txn.prepare(
        "SELECT answer, waitlisted, note, seq FROM duty_responses "
        "WHERE call_id = ?1 AND user_id = ?2");
    if (!select) return select.status();
    select->bind_text(1, call_id).bind_text(2, user);
    auto row = select->step();
    if (!row) return row.status();
    if (!*row) return std::optional<ResponseRow>{};
    ResponseRow response;
    response.answer = static_cast<v1::DutyRespond::Answer>(select->int64(0));
    response.waitlisted = select->int64(1) != 0;
    response.note = select->text(2);
    response.seq = select->seq(3);
    return std::optional<ResponseRow>(std::move(response));
}

Status insert_call(Transaction& txn, const v1::DutyCall& call) {
    std::string body;
    if (!call.SerializeToString(&body)) return {errc::internal, "cannot serialise a duty call"};
    {
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
    }
    for (const auto& group : call.target_groups()) {
        auto target = txn.prepare("INSERT INTO duty_targets (group_id, call_id) VALUES (?1, ?2)");
        if (!target) return target.status();
        target->bind_text(1, group).bind_text(2, call.call_id());
        if (auto status = target->run(); !status) return status;
    }
    return ok_status();
}

Status save_state(Transaction& txn, const std::string& call_id, v1::DutyCall::State state,
                  const std::string& reason, std::int64_t now_ms) {
    auto update = txn.prepare(
        "UPDATE duty_calls SET state = ?2, reason = ?3, "
        "closed_at_ms = CASE WHEN ?2 IN (1, 2) THEN 0 ELSE ?4 END WHERE call_id = ?1");
    if (!update) return update.status();
    update->bind_text(1, call_id).bind_int(2, state).bind_text(3, reason).bind_int(4, now_ms);
    return update->run();
}

Result<std::uint32_t> accepted_count(Transaction& txn, const std::string& call_id) {
    auto count = txn.prepare(
        "SELECT COUNT(*) FROM duty_responses WHERE call_id = ?1 AND answer = ?2 AND "
        "waitlisted = 0");
    if (!count) return count.status();
    count->bind_text(1, call_id).bind_int(2, v1::DutyRespond::ACCEPT);
    auto row = count->step();
    if (!row) return row.status();
    return static_cast<std::uint32_t>(*row ? count->int64(0) : 0);
}

// Cost: one pass over the call's answers and one over its audience (the members of the
// target groups), per change. Fine for calls to thousands; a counter would be needed beyond.
Result<v1::DutyUpdate> tally_of(Transaction& txn, const CallRow& row) {
    const std::string& call_id = row.call.call_id();
    v1::DutyUpdate tally;
    tally.set_call_id(call_id);
    tally.set_slots(row.call.slots());
    tally.set_state(row.call.state());
    if (row.call.state() == v1::DutyCall::CLOSED || row.call.state() == v1::DutyCall::CANCELLED)
        tally.set_reason(row.reason);
    {
        auto answers = txn.prepare(
            "SELECT user_id, answer, waitlisted FROM duty_responses WHERE call_id = ?1 "
            "ORDER BY ordinal");
        if (!answers) return answers.status();
        answers->bind_text(1, call_id);
        std::uint32_t declined = 0;
        for (;;) {
            auto next = answers->step();
            if (!next) return next.status();
            if (!*next) break;
            if (answers->int64(1) == v1::DutyRespond::DECLINE) {
                ++declined;
            } else if (answers->int64(2) != 0) {
                tally.add_waitlisted_users(answers->text(0));
            } else {
                tally.add_accepted_users(answers->text(0));
            }
        }
        tally.set_accepted(static_cast<std::uint32_t>(tally.accepted_users_size()));
        tally.set_declined(declined);
    }
    {
        auto pending = txn.prepare(
            "SELECT COUNT(DISTINCT m.user_id) FROM duty_targets t "
            "JOIN members m ON m.group_id = t.group_id "
            "JOIN duty_calls c ON c.call_id = t.call_id "
            "WHERE t.call_id = ?1 AND m.user_id <> c.created_by AND NOT EXISTS "
            "(SELECT 1 FROM duty_responses r WHERE r.call_id = ?1 AND r.user_id = m.user_id)");
        if (!pending) return pending.status();
        pending->bind_text(1, call_id);
        auto next = pending->step();
        if (!next) return next.status();
        tally.set_pending(static_cast<std::uint32_t>(*next ? pending->int64(0) : 0));
    }
    return tally;
}

Result<std::vector<std::pair<std::string, std::vector<std::string>>>> silent_by_group(
    Transaction& txn, const std::string& call_id) {
    auto select = txn.prepare(
        "SELECT m.group_id, m.user_id FROM duty_targets t "
        "JOIN members m ON m.group_id = t.group_id "
        "JOIN duty_calls c ON c.call_id = t.call_id "
        "WHERE t.call_id = ?1 AND m.user_id <> c.created_by AND NOT EXISTS "
        "(SELECT 1 FROM duty_responses r WHERE r.call_id = ?1 AND r.user_id = m.user_id) "
        "ORDER BY m.group_id, m.user_id");
    if (!select) return select.status();
    select->bind_text(1, call_id);
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    for (;;) {
        auto row = select->step();
        if (!row) return row.status();
        if (!*row) break;
        std::string group = select->text(0);
        if (out.empty() || out.back().first != group)
            out.emplace_back(std::move(group), std::vector<std::string>{});
        out.back().second.push_back(select->text(1));
    }
    return out;
}

std::set<std::string> flatten(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& by_group) {
    std::set<std::string> users;
    for (const auto& [group, members] : by_group) users.insert(members.begin(), members.end());
    return users;
}

Result<std::uint64_t> announce_in(Transaction& txn, SqliteEventLog& log, const std::string& group,
                                  const DutyActor& actor, std::int64_t now_ms,
                                  const std::function<void(v1::Event&)>& fill) {
    AppendRequest request;
    request.event.set_group(group);
    request.event.set_time_ms(now_ms);
    request.event.set_sender(actor.user);
    request.event.set_sender_name(actor.name);
    fill(request.event);
    auto appended = log.append_in_transaction(txn, request);
    if (!appended) return appended.status();
    return appended->seq;
}

Result<std::uint64_t> announce(Transaction& txn, SqliteEventLog& log, const v1::DutyCall& call,
                               const DutyActor& actor, std::int64_t now_ms,
                               const std::function<void(v1::Event&)>& fill) {
    std::uint64_t seq = 0;
    for (const auto& group : call.target_groups()) {
        auto appended = announce_in(txn, log, group, actor, now_ms, fill);
        if (!appended) return appended.status();
        if (group == call.group()) seq = *appended;
    }
    return seq;
}

std::vector<push::PushIntent> intents_for(const DutyPush& push,
                                          const std::set<std::string>& allowed,
                                          std::int64_t now_ms) {
    std::vector<push::PushIntent> out;
    for (const auto& user : push.to) {
        if (allowed.count(user) == 0) continue;
        push::PushIntent intent = push.intent;
        intent.user = user;
        intent.created_ms = now_ms;
        out.push_back(std::move(intent));
    }
    return out;
}

Status read_responses(Transaction& txn, const std::string& call_id, v1::DutyCallRecord& record) {
    auto select = txn.prepare(
        "SELECT r.user_id, r.answer, r.note, r.time_ms, "
        "CASE WHEN r.name <> '' THEN r.name ELSE COALESCE(u.name, '') END, r.waitlisted "
        "FROM duty_responses r LEFT JOIN users u ON u.id = r.user_id "
        "WHERE r.call_id = ?1 ORDER BY r.ordinal");
    if (!select) return select.status();
    select->bind_text(1, call_id);
    for (;;) {
        auto row = select->step();
        if (!row) return row.status();
        if (!*row) return ok_status();
        auto* response = record.add_responses();
        response->set_user(select->text(0));
        response->set_answer(static_cast<v1::DutyRespond::Answer>(select->int64(1)));
        response->set_note(select->text(2));
        response->set_time_ms(select->int64(3));
        response->set_name(select->text(4));
        response->set_waitlisted(select->int64(5) != 0);
    }
}

}  // namespace muster::store::duty_rows
