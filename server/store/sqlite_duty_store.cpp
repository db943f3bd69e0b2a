#include "store/sqlite_duty_store.hpp"

#include <algorithm>
#include <stdexcept>

#include "store/sqlite_duty_rows.hpp"
#include "store/sqlite_feature_schema.hpp"

namespace muster::store {

namespace v1 = muster::v1;
using namespace duty_rows;

namespace {

std::string state_word(v1::DutyCall::State state) {
    std::string name = v1::DutyCall::State_Name(state);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return name;
}

Status not_active(const v1::DutyCall& call) {
    return {errc::conflict, "duty call " + call.call_id() + " is " + state_word(call.state())};
}

}  // namespace

SqliteDutyStore::SqliteDutyStore(SqliteDatabase& db, SqliteEventLog& log, SqlitePushOutbox& outbox,
                                 const Clock& clock)
    : db_(db), log_(log), outbox_(outbox), clock_(clock) {
    if (Status s = apply_feature_schema(db_, "duty_calls", migrations); !s)
        throw std::runtime_error(s.message());
}

template <class T, class Body>
void SqliteDutyStore::write(Done<T> done, Body body) {
    auto job = [done, body = std::move(body)](Transaction& txn) mutable -> Status {
        Result<T> result = body(txn);
        if (!result) return result.status();
        txn.after_commit(
            [done, value = std::move(result).value()]() mutable { done(std::move(value)); });
        return ok_status();
    };
    db_.write(std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); });
}

template <class T, class Body>
void SqliteDutyStore::read(Done<T> done, Body body) {
    auto job = [done, body = std::move(body)](Transaction& txn) mutable -> Status {
        Result<T> result = body(txn);
        if (!result) return result.status();
        txn.after_commit(
            [done, value = std::move(result).value()]() mutable { done(std::move(value)); });
        return ok_status();
    };
    db_.read(std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); });
}

// ---- changes --------------------------------------------------------------------------------

void SqliteDutyStore::create(DutyCreation creation, Done<DutyCreated> done) {
    write<DutyCreated>(std::move(done),
                       [this, creation = std::move(creation)](Transaction& txn) mutable {
                           return create_in(txn, creation);
                       });
}

Result<DutyCreated> SqliteDutyStore::create_in(Transaction& txn, DutyCreation& creation) {
    const v1::DutyCall& call = creation.call;
    if (call.target_groups_size() == 0 || call.target_groups(0) != call.group())
        return Status(errc::internal, "a duty call's first target must be its group");
    // A retry of a keyed create names the call it created (core/ids.hpp keyed_id).
    auto origin = load_origin(txn, call.call_id());
    if (!origin) return origin.status();
    if (*origin) {
        if ((*origin)->created_by != call.created_by())
            return Status(errc::conflict, "duty call " + call.call_id() + " exists already");
        DutyCreated repeated;
        repeated.seq = (*origin)->seq;
        repeated.duplicate = true;
        return repeated;
    }
    if (Status s = insert_call(txn, call); !s) return s;
    const std::int64_t now = call.created_at_ms();
    auto seq = announce(txn, log_, call, creation.actor, now,
                        [&call](v1::Event& event) { *event.mutable_duty_call() = call; });
    if (!seq) return seq.status();
    if (Status s = save_announcement(txn, call.call_id(), *seq); !s) return s;
    DutyCreated created;
    created.seq = *seq;
    if (!creation.push.to.empty()) {
        auto silent = silent_by_group(txn, call.call_id());
        if (!silent) return silent.status();
        auto intents = intents_for(creation.push, flatten(*silent), now);
        if (Status s = outbox_.enqueue_in_transaction(txn, intents); !s) return s;
        created.pushed = static_cast<std::uint32_t>(intents.size());
    }
    return created;
}

void SqliteDutyStore::respond(DutyAnswer answer, Done<DutyChange> done) {
    write<DutyChange>(std::move(done), [this, answer = std::move(answer)](Transaction& txn) {
        return respond_in(txn, answer);
    });
}

Result<DutyChange> SqliteDutyStore::respond_in(Transaction& txn, const DutyAnswer& answer) {
    const bool accept = answer.answer == v1::DutyRespond::ACCEPT;
    if (!accept && answer.answer != v1::DutyRespond::DECLINE)
        return Status(errc::invalid_argument, "answer must be ACCEPT or DECLINE");
    auto loaded = load_call(txn, answer.call_id);
    if (!loaded) return loaded.status();
    if (!*loaded) return no_such_call(answer.call_id);
    CallRow& row = **loaded;
    v1::DutyCall& call = row.call;
    if (!is_active(call.state())) return not_active(call);
    if (answer.now_ms >= call.deadline_ms()) {
        return Status(errc::conflict,
                      "duty call " + call.call_id() + " took answers until its deadline");
    }
    const std::string& user = answer.actor.user;
    auto previous = load_response(txn, call.call_id(), user);
    if (!previous) return previous.status();

    DutyChange change;
    change.previous = call.state();
    if (*previous && (*previous)->answer == answer.answer && (*previous)->note == answer.note) {
        // The same answer again (a retry): nothing changes, the first recording stands.
        auto tally = tally_of(txn, row);
        if (!tally) return tally.status();
        change.tally = std::move(*tally);
        change.seq = (*previous)->seq;
        change.waitlisted = (*previous)->waitlisted;
        return change;
    }
    auto accepted = accepted_count(txn, call.call_id());
    if (!accepted) return accepted.status();

    const bool held_slot = *previous && (*previous)->answer == v1::DutyRespond::ACCEPT;
    bool waitlisted = false;
    bool keep_place = false;  // a new note on the same accept keeps its place in the order
    std::uint32_t holders = *accepted;
    if (accept) {
        if (held_slot) {
            waitlisted = (*previous)->waitlisted;
            keep_place = true;
        } else if (*accepted < call.slots()) {
            ++holders;
        } else if (call.waitlist()) {
            waitlisted = true;
        } else {
            return Status(errc::conflict, "duty call " + call.call_id() +
                                              " is full: " + std::to_string(*accepted) + " of " +
                                              std::to_string(call.slots()) + " slots are taken");
        }
    } else if (held_slot && !(*previous)->waitlisted) {
        --holders;
    }

    {
        auto upsert = txn.prepare(
            "INSERT INTO duty_responses (call_id, user_id, answer, waitlisted, note, name, "
            "time_ms, ordinal) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
            "(SELECT COALESCE(MAX(ordinal), 0) + 1 FROM duty_responses WHERE call_id = ?1)) "
            "ON CONFLICT (call_id, user_id) DO UPDATE SET answer = excluded.answer, "
            "waitlisted = excluded.waitlisted, note = excluded.note, name = excluded.name, "
            "time_ms = excluded.time_ms, "
            "ordinal = CASE WHEN ?8 THEN ordinal ELSE excluded.ordinal END");
        if (!upsert) return upsert.status();
        upsert->bind_text(1, call.call_id())
            .bind_text(2, user)
            .bind_int(3, answer.answer)
            .bind_int(4, waitlisted ? 1 : 0)
            .bind_text(5, answer.note)
            .bind_text(6, answer.actor.name)
            .bind_int(7, answer.now_ms)
            .bind_int(8, keep_place ? 1 : 0);
        if (Status s = upsert->run(); !s) return s;
    }
    if (holders < call.slots() && call.waitlist()) {
        // A slot is free: the longest-waiting accept takes it.
        auto promote = txn.prepare(
            "UPDATE duty_responses SET waitlisted = 0 WHERE call_id = ?1 AND user_id = "
            "(SELECT user_id FROM duty_responses WHERE call_id = ?1 AND waitlisted = 1 "
            "ORDER BY ordinal LIMIT 1)");
        if (!promote) return promote.status();
        promote->bind_text(1, call.call_id());
        if (Status s = promote->run(); !s) return s;
        holders += static_cast<std::uint32_t>(txn.db().changes());
    }
    const auto state = holders >= call.slots() ? v1::DutyCall::FILLED : v1::DutyCall::OPEN;
    if (state != call.state()) {
        if (Status s = save_state(txn, call.call_id(), state, {}, answer.now_ms); !s) return s;
        call.set_state(state);
    }

    auto tally = tally_of(txn, row);
    if (!tally) return tally.status();
    tally->set_user(user);
    tally->set_answer(answer.answer);
    auto seq = announce(txn, log_, call, answer.actor, answer.now_ms,
                        [&tally](v1::Event& event) { *event.mutable_duty_update() = *tally; });
    if (!seq) return seq.status();
    {
        auto remember =
            txn.prepare("UPDATE duty_responses SET seq = ?3 WHERE call_id = ?1 AND user_id = ?2");
        if (!remember) return remember.status();
        remember->bind_text(1, call.call_id()).bind_text(2, user).bind_seq(3, *seq);
        if (Status s = remember->run(); !s) return s;
    }
    change.tally = std::move(*tally);
    change.seq = *seq;
    change.changed = true;
    change.waitlisted = waitlisted;
    return change;
}

void SqliteDutyStore::close(DutyClosing closing, Done<DutyChange> done) {
    write<DutyChange>(std::move(done), [this, closing = std::move(closing)](Transaction& txn) {
        return close_in(txn, closing);
    });
}

Result<DutyChange> SqliteDutyStore::close_in(Transaction& txn, const DutyClosing& closing) {
    auto loaded = load_call(txn, closing.call_id);
    if (!loaded) return loaded.status();
    if (!*loaded) return no_such_call(closing.call_id);
    CallRow& row = **loaded;
    if (!is_active(row.call.state())) return not_active(row.call);
    DutyChange change;
    change.previous = row.call.state();
    const auto state = closing.cancel ? v1::DutyCall::CANCELLED : v1::DutyCall::CLOSED;
    if (Status s = save_state(txn, closing.call_id, state, closing.reason, closing.now_ms); !s)
        return s;
    row.call.set_state(state);
    row.reason = closing.reason;
    auto tally = tally_of(txn, row);
    if (!tally) return tally.status();
    auto seq = announce(txn, log_, row.call, closing.actor, closing.now_ms,
                        [&tally](v1::Event& event) { *event.mutable_duty_update() = *tally; });
    if (!seq) return seq.status();
    change.tally = std::move(*tally);
    change.seq = *seq;
    change.changed = true;
    return change;
}

void SqliteDutyStore::expire(std::string call_id, std::int64_t now_ms, Done<DutyChange> done) {
    write<DutyChange>(std::move(done),
                      [this, call_id = std::move(call_id), now_ms](Transaction& txn) {
                          return expire_in(txn, call_id, now_ms);
                      });
}

Result<DutyChange> SqliteDutyStore::expire_in(Transaction& txn, const std::string& call_id,
                                              std::int64_t now_ms) {
    auto loaded = load_call(txn, call_id);
    if (!loaded) return loaded.status();
    if (!*loaded) return no_such_call(call_id);
    CallRow& row = **loaded;
    DutyChange change;
    change.previous = row.call.state();
    if (row.call.state() == v1::DutyCall::OPEN && now_ms >= row.call.deadline_ms()) {
        if (Status s = save_state(txn, call_id, v1::DutyCall::EXPIRED, {}, now_ms); !s) return s;
        row.call.set_state(v1::DutyCall::EXPIRED);
        change.changed = true;
    }
    auto tally = tally_of(txn, row);
    if (!tally) return tally.status();
    if (change.changed) {
        auto seq = announce(txn, log_, row.call, DutyActor{}, now_ms,
                            [&tally](v1::Event& event) { *event.mutable_duty_update() = *tally; });
        if (!seq) return seq.status();
        change.seq = *seq;
    }
    change.tally = std::move(*tally);
    return change;
}

void SqliteDutyStore::remind(DutyReminding reminding, Done<DutyReminded> done) {
    write<DutyReminded>(std::move(done),
                        [this, reminding = std::move(reminding)](Transaction& txn) {
                            return remind_in(txn, reminding);
                        });
}

Result<DutyReminded> SqliteDutyStore::remind_in(Transaction& txn, const DutyReminding& reminding) {
    auto loaded = load_call(txn, reminding.call_id);
    if (!loaded) return loaded.status();
    if (!*loaded) return no_such_call(reminding.call_id);
    const CallRow& row = **loaded;
    DutyReminded reminded;
    reminded.state = row.call.state();
    reminded.reminders_sent = row.reminders_sent;
    reminded.last_reminder_ms = row.last_reminder_ms;
    reminded.deadline_ms = row.call.deadline_ms();
    if (row.call.state() != v1::DutyCall::OPEN || reminding.round != row.reminders_sent + 1 ||
        reminding.now_ms >= row.call.deadline_ms()) {
        return reminded;
    }
    auto silent = silent_by_group(txn, reminding.call_id);
    if (!silent) return silent.status();
    for (const auto& entry : *silent) {
        // Each group hears only about its own members: nobody learns who else stayed silent.
        // (Named, not a structured binding: clang 14 cannot capture those in a lambda.)
        const auto& group = entry.first;
        const auto& users = entry.second;
        auto appended =
            announce_in(txn, log_, group, DutyActor{}, reminding.now_ms, [&](v1::Event& event) {
                auto* reminder = event.mutable_duty_reminder();
                reminder->set_call_id(reminding.call_id);
                reminder->set_round(reminding.round);
                reminder->set_title(row.call.title());
                for (const auto& user : users) reminder->add_users(user);
            });
        if (!appended) return appended.status();
    }
    {
        auto update = txn.prepare(
            "UPDATE duty_calls SET reminders_sent = ?2, last_reminder_ms = ?3 WHERE call_id = ?1");
        if (!update) return update.status();
        update->bind_text(1, reminding.call_id)
            .bind_int(2, reminding.round)
            .bind_int(3, reminding.now_ms);
        if (Status s = update->run(); !s) return s;
    }
    const auto users = flatten(*silent);
    auto intents = intents_for(reminding.push, users, reminding.now_ms);
    if (Status s = outbox_.enqueue_in_transaction(txn, intents); !s) return s;
    reminded.sent = true;
    reminded.reminders_sent = reminding.round;
    reminded.last_reminder_ms = reminding.now_ms;
    reminded.users.assign(users.begin(), users.end());
    reminded.pushed = static_cast<std::uint32_t>(intents.size());
    return reminded;
}

// ---- reads ----------------------------------------------------------------------------------

void SqliteDutyStore::audience(std::vector<std::string> groups,
                               Done<std::vector<std::string>> done) {
    read<std::vector<std::string>>(
        std::move(done),
        [groups = std::move(groups)](Transaction& txn) -> Result<std::vector<std::string>> {
            std::set<std::string> users;
            for (const auto& group : groups) {
                auto members = txn.prepare("SELECT user_id FROM members WHERE group_id = ?1");
                if (!members) return members.status();
                members->bind_text(1, group);
                for (;;) {
                    auto row = members->step();
                    if (!row) return row.status();
                    if (!*row) break;
                    users.insert(members->text(0));
                }
            }
            return std::vector<std::string>(users.begin(), users.end());
        });
}

void SqliteDutyStore::silent(std::string call_id, Done<std::vector<std::string>> done) {
    read<std::vector<std::string>>(
        std::move(done),
        [call_id = std::move(call_id)](Transaction& txn) -> Result<std::vector<std::string>> {
            auto loaded = load_call(txn, call_id);
            if (!loaded) return loaded.status();
            if (!*loaded) return no_such_call(call_id);
            auto silent = silent_by_group(txn, call_id);
            if (!silent) return silent.status();
            const auto users = flatten(*silent);
            return std::vector<std::string>(users.begin(), users.end());
        });
}

void SqliteDutyStore::find(std::string call_id, Done<v1::DutyCall> done) {
    read<v1::DutyCall>(std::move(done),
                       [call_id = std::move(call_id)](Transaction& txn) -> Result<v1::DutyCall> {
                           auto loaded = load_call(txn, call_id);
                           if (!loaded) return loaded.status();
                           if (!*loaded) return no_such_call(call_id);
                           return std::move((*loaded)->call);
                       });
}

void SqliteDutyStore::get(std::string call_id, Done<v1::DutyCallRecord> done) {
    read<v1::DutyCallRecord>(
        std::move(done),
        [call_id = std::move(call_id)](Transaction& txn) -> Result<v1::DutyCallRecord> {
            auto loaded = load_call(txn, call_id);
            if (!loaded) return loaded.status();
            if (!*loaded) return no_such_call(call_id);
            auto tally = tally_of(txn, **loaded);
            if (!tally) return tally.status();
            v1::DutyCallRecord record;
            *record.mutable_call() = std::move((*loaded)->call);
            *record.mutable_tally() = std::move(*tally);
            if (Status s = read_responses(txn, call_id, record); !s) return s;
            return record;
        });
}

void SqliteDutyStore::list(DutyListQuery query, Done<std::vector<v1::DutyCallRecord>> done) {
    read<std::vector<v1::DutyCallRecord>>(
        std::move(done),
        [query = std::move(query)](Transaction& txn) -> Result<std::vector<v1::DutyCallRecord>> {
            // (created_at_ms, call_id) of the newest `limit` calls of each group, merged.
            std::vector<std::pair<std::int64_t, std::string>> found;
            auto collect = [&](Statement& select) -> Status {
                for (;;) {
                    auto row = select.step();
                    if (!row) return row.status();
                    if (!*row) return ok_status();
                    found.emplace_back(select.int64(0), select.text(1));
                }
            };
            const std::int64_t state = query.state;
            if (query.groups.empty()) {
                auto select = txn.prepare(
                    "SELECT created_at_ms, call_id FROM duty_calls WHERE (?1 = 0 OR state = ?1) "
                    "ORDER BY created_at_ms DESC, call_id DESC LIMIT ?2");
                if (!select) return select.status();
                select->bind_int(1, state).bind_int(2, query.limit);
                if (Status s = collect(*select); !s) return s;
            }
            for (const auto& group : query.groups) {
                auto select = txn.prepare(
                    "SELECT c.created_at_ms, c.call_id FROM duty_targets t "
                    "JOIN duty_calls c ON c.call_id = t.call_id WHERE t.group_id = ?1 "
                    "AND (?2 = 0 OR c.state = ?2) "
                    "ORDER BY c.created_at_ms DESC, c.call_id DESC LIMIT ?3");
                if (!select) return select.status();
                select->bind_text(1, group).bind_int(2, state).bind_int(3, query.limit);
                if (Status s = collect(*select); !s) return s;
            }
            std::sort(found.begin(), found.end(), std::greater<>());
            found.erase(std::unique(found.begin(), found.end()), found.end());
            if (found.size() > query.limit) found.resize(query.limit);

            std::vector<v1::DutyCallRecord> records;
            for (const auto& [created, call_id] : found) {
                auto loaded = load_call(txn, call_id);
                if (!loaded) return loaded.status();
                if (!*loaded) continue;
                auto tally = tally_of(txn, **loaded);
                if (!tally) return tally.status();
                v1::DutyCallRecord record;
                *record.mutable_call() = std::move((*loaded)->call);
                *record.mutable_tally() = std::move(*tally);
                records.push_back(std::move(record));
            }
            return records;
        });
}

void SqliteDutyStore::list_active(Done<std::vector<DutyTimerState>> done) {
    read<std::vector<DutyTimerState>>(
        std::move(done),
        [now = clock_.now_ms()](Transaction& txn) -> Result<std::vector<DutyTimerState>> {
            auto select = txn.prepare(
                "SELECT call_id, state, deadline_ms, created_at_ms, reminders_sent, "
                "last_reminder_ms FROM duty_calls WHERE state = ?1 OR "
                "(state = ?2 AND deadline_ms > ?3) ORDER BY deadline_ms");
            if (!select) return select.status();
            select->bind_int(1, v1::DutyCall::OPEN)
                .bind_int(2, v1::DutyCall::FILLED)
                .bind_int(3, now);
            std::vector<DutyTimerState> out;
            for (;;) {
                auto row = select->step();
                if (!row) return row.status();
                if (!*row) return out;
                DutyTimerState state;
                state.call_id = select->text(0);
                state.state = static_cast<v1::DutyCall::State>(select->int64(1));
                state.deadline_ms = select->int64(2);
                state.created_at_ms = select->int64(3);
                state.reminders_sent = static_cast<std::uint32_t>(select->int64(4));
                state.last_reminder_ms = select->int64(5);
                out.push_back(std::move(state));
            }
        });
}

}  // namespace muster::store
