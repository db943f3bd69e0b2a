#include "store/sqlite/sqlite_duty_store.hpp"

#include <algorithm>
#include <memory>
#include <set>
#include <stdexcept>

#include "store/sqlite/sqlite_duty_rows.hpp"
#include "store/sqlite/sqlite_feature_schema.hpp"

namespace muster::store {

namespace v1 = muster::v1;
using namespace duty_rows;
using features::duty::DutyApplied;
using features::duty::DutyListQuery;
using features::duty::DutyRule;
using features::duty::DutySnapshot;
using features::duty::DutyTimerState;
using features::duty::no_such_call;

namespace {

// Runs `body` as a job (write or read); its value goes to `done` after the commit (for a write,
// after the deliveries of the events it appended).
template <class T, class Body>
auto job(Done<T> done, Body body) {
    return [done = std::move(done),
            body = std::move(body)](sqlite::Transaction& txn) mutable -> Status {
        Result<T> result = body(txn);
        if (!result) return result.status();
        txn.after_commit(
            [done, value = std::move(result).value()]() mutable { done(std::move(value)); });
        return ok_status();
    };
}

template <class T>
auto failed(Done<T> done) {
    return [done = std::move(done)](Status status) {
        if (!status) done(std::move(status));
    };
}

// True when `audience` lists exactly `groups`, in their order.
bool same_groups(const Audience& audience,
                 const google::protobuf::RepeatedPtrField<std::string>& groups) {
    return std::equal(
        audience.begin(), audience.end(), groups.begin(), groups.end(),
        [](const auto& members, const std::string& group) { return members.group == group; });
}

// Gives a read-ahead audience's ids back to the bound.
struct Reservation {
    Reservation(std::shared_ptr<std::atomic<std::uint64_t>> held, std::uint64_t ids)
        : held(std::move(held)), ids(ids) {}
    ~Reservation() { held->fetch_sub(ids); }
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;

    std::shared_ptr<std::atomic<std::uint64_t>> held;
    std::uint64_t ids;
};

// The audience to hand to apply_in (moved out: the job runs once); the reservation stays with
// the job until it is destroyed.
template <class ReadAhead>
std::optional<Audience> audience_of(std::optional<ReadAhead>& read) {
    if (!read) return std::nullopt;
    return std::move(read->audience);
}

}  // namespace

SqliteDutyStore::SqliteDutyStore(sqlite::Database& db, SqliteEventLog& log,
                                 SqlitePushOutbox& outbox, std::uint64_t read_ahead_ids)
    : db_(db), log_(log), outbox_(outbox), read_ahead_ids_(read_ahead_ids) {
    if (Status s = apply_feature_schema(db_, "duty_calls", migrations); !s)
        throw std::runtime_error(s.message());
}

// ---- changes --------------------------------------------------------------------------------

Result<DutyApplied> SqliteDutyStore::apply_in(sqlite::Transaction& txn,
                                              std::optional<features::duty::StoredDutyCall> record,
                                              const std::vector<std::string>& targets,
                                              const DutyRule& rule, std::optional<Audience> read) {
    DutyApplied applied;
    google::protobuf::RepeatedPtrField<std::string> groups;
    if (record) {
        applied.record = *record;
        groups = record->call().target_groups();
    } else {
        groups.Add(targets.begin(), targets.end());
    }
    // The audience read ahead serves if it is of these groups (a call's targets never change;
    // a create retried with other targets, or a call the read did not find, reads them here).
    Result<Audience> audience =
        read && same_groups(*read, groups) ? std::move(*read) : load_audience(txn, groups);
    if (!audience) return audience.status();
    auto outcome = rule(applied.record, *audience);
    if (!outcome) return outcome.status();
    applied.outcome = std::move(*outcome);
    for (auto& append : applied.outcome.appends) {
        AppendRequest request;
        request.event = append.event;
        auto appended = log_.append_in_transaction(txn, request);
        if (!appended) return appended.status();
        append.seq = appended->seq;
        if (append.announcement) applied.record.set_seq(append.seq);
        if (append.answer_of.empty()) continue;
        for (auto& a : *applied.record.mutable_answers()) {
            if (a.user() == append.answer_of) a.set_seq(append.seq);
        }
    }
    if (applied.outcome.write) {
        if (Status s = save_record(txn, record ? &*record : nullptr, applied.record); !s) return s;
    }
    if (Status s = outbox_.enqueue_in_transaction(txn, applied.outcome.push); !s) return s;
    return applied;
}

void SqliteDutyStore::read_audience(std::string call_id, std::vector<std::string> targets,
                                    std::function<void(std::optional<ReadAhead>)> then) {
    if (held_->load() >= read_ahead_ids_) {  // the bound is reached (or 0: never ahead)
        then(std::nullopt);
        return;
    }
    auto shared_then = std::make_shared<decltype(then)>(std::move(then));
    db_.read(
        [call_id = std::move(call_id), targets = std::move(targets), shared_then, held = held_,
         limit = read_ahead_ids_](sqlite::Transaction& txn) -> Status {
            google::protobuf::RepeatedPtrField<std::string> groups(targets.begin(), targets.end());
            if (groups.empty()) {
                auto loaded = load_record(txn, call_id, false);
                if (!loaded) return loaded.status();
                if (!*loaded) {  // not there yet for this snapshot: the write job reads it
                    txn.after_commit([shared_then] { (*shared_then)(std::nullopt); });
                    return ok_status();
                }
                groups = (*loaded)->call().target_groups();
            }
            auto audience = load_audience(txn, groups);
            if (!audience) return audience.status();
            std::uint64_t ids = 0;
            for (const auto& group : *audience) ids += group.users.size();
            if (held->fetch_add(ids) + ids > limit) {  // over the bound: the write job reads it
                held->fetch_sub(ids);
                txn.after_commit([shared_then] { (*shared_then)(std::nullopt); });
                return ok_status();
            }
            ReadAhead ahead{std::move(*audience), std::make_shared<Reservation>(held, ids)};
            txn.after_commit([shared_then, ahead = std::move(ahead)]() mutable {
                (*shared_then)(std::move(ahead));
            });
            return ok_status();
        },
        // The reader refused or failed: the write job reads the audience itself, as before.
        [shared_then](const Status&) { (*shared_then)(std::nullopt); });
}

void SqliteDutyStore::create(std::string call_id, std::vector<std::string> targets, DutyRule rule,
                             Done<DutyApplied> done) {
    change(std::move(call_id), std::move(targets), false, std::move(rule), std::move(done));
}

void SqliteDutyStore::apply(std::string call_id, DutyRule rule, Done<DutyApplied> done) {
    change(std::move(call_id), {}, true, std::move(rule), std::move(done));
}

void SqliteDutyStore::change(std::string call_id, std::vector<std::string> targets, bool must_exist,
                             DutyRule rule, Done<DutyApplied> done) {
    auto ahead_targets = targets;
    read_audience(
        call_id, std::move(ahead_targets),
        [this, call_id, targets = std::move(targets), must_exist, rule = std::move(rule),
         done = std::move(done)](std::optional<ReadAhead> read) mutable {
            db_.write(
                job<DutyApplied>(done,
                                 [this, call_id = std::move(call_id), targets = std::move(targets),
                                  must_exist, rule = std::move(rule), read = std::move(read)](
                                     sqlite::Transaction& txn) mutable -> Result<DutyApplied> {
                                     auto loaded = load_record(txn, call_id);
                                     if (!loaded) return loaded.status();
                                     if (!*loaded && must_exist) return no_such_call(call_id);
                                     return apply_in(txn, std::move(*loaded), targets, rule,
                                                     audience_of(read));
                                 }),
                failed(done));
        });
}

// ---- reads ----------------------------------------------------------------------------------

namespace {

Result<DutySnapshot> snapshot_of(sqlite::Transaction& txn, const std::string& call_id, bool names) {
    auto loaded = load_record(txn, call_id);
    if (!loaded) return loaded.status();
    if (!*loaded) return no_such_call(call_id);
    DutySnapshot snapshot;
    snapshot.record = std::move(**loaded);
    auto audience = load_audience(txn, snapshot.record.call().target_groups());
    if (!audience) return audience.status();
    snapshot.audience = std::move(*audience);
    if (names) {
        std::vector<std::string> unnamed;
        for (const auto& a : snapshot.record.answers()) {
            if (a.name().empty()) unnamed.push_back(a.user());
        }
        auto found = names_of(txn, unnamed);
        if (!found) return found.status();
        snapshot.names = std::move(*found);
    }
    return snapshot;
}

}  // namespace

void SqliteDutyStore::read(std::string call_id, Done<DutySnapshot> done) {
    db_.read(job<DutySnapshot>(done,
                               [call_id = std::move(call_id)](sqlite::Transaction& txn) {
                                   return snapshot_of(txn, call_id, true);
                               }),
             failed(done));
}

void SqliteDutyStore::find(std::string call_id, Done<v1::DutyCall> done) {
    db_.read(job<v1::DutyCall>(
                 done,
                 [call_id = std::move(call_id)](sqlite::Transaction& txn) -> Result<v1::DutyCall> {
                     auto loaded = load_record(txn, call_id, false);
                     if (!loaded) return loaded.status();
                     if (!*loaded) return no_such_call(call_id);
                     return std::move(*(*loaded)->mutable_call());
                 }),
             failed(done));
}

void SqliteDutyStore::list(DutyListQuery query, Done<std::vector<DutySnapshot>> done) {
    db_.read(
        job<std::vector<DutySnapshot>>(
            done,
            [query =
                 std::move(query)](sqlite::Transaction& txn) -> Result<std::vector<DutySnapshot>> {
                // (created_at_ms, call_id) of the newest `limit` calls of each group, merged.
                std::vector<std::pair<std::int64_t, std::string>> found;
                auto collect = [&](sqlite::Statement& select) -> Status {
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
                        "SELECT created_at_ms, call_id FROM duty_calls WHERE (?1 = 0 OR state = "
                        "?1) ORDER BY created_at_ms DESC, call_id DESC LIMIT ?2");
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

                std::vector<DutySnapshot> out;
                for (const auto& entry : found) {
                    auto snapshot = snapshot_of(txn, entry.second, false);
                    if (!snapshot) return snapshot.status();
                    out.push_back(std::move(*snapshot));
                }
                return out;
            }),
        failed(done));
}

void SqliteDutyStore::list_active(Done<std::vector<DutyTimerState>> done) {
    db_.read(job<std::vector<DutyTimerState>>(
                 done,
                 [](sqlite::Transaction& txn) -> Result<std::vector<DutyTimerState>> {
                     auto select = txn.prepare(
                         "SELECT call_id, state, deadline_ms, created_at_ms, reminders_sent, "
                         "last_reminder_ms FROM duty_calls WHERE timers_done = 0 "
                         "ORDER BY deadline_ms");
                     if (!select) return select.status();
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
                 }),
             failed(done));
}

void SqliteDutyStore::audience(std::vector<std::string> groups,
                               Done<std::vector<std::string>> done) {
    db_.read(
        job<std::vector<std::string>>(
            done,
            [groups =
                 std::move(groups)](sqlite::Transaction& txn) -> Result<std::vector<std::string>> {
                google::protobuf::RepeatedPtrField<std::string> list(groups.begin(), groups.end());
                auto audience = load_audience(txn, list);
                if (!audience) return audience.status();
                std::set<std::string> users;
                for (const auto& group : *audience)
                    users.insert(group.users.begin(), group.users.end());
                return std::vector<std::string>(users.begin(), users.end());
            }),
        failed(done));
}

}  // namespace muster::store
