#include "store/sqlite/sqlite_push_outbox.hpp"

#include <algorithm>
#include <stdexcept>
#include <string_view>

#include <boost/json.hpp>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "store/push_outbox_metrics.hpp"
#include "store/sqlite/sqlite_feature_schema.hpp"

namespace muster::store {
namespace {

using push_outbox_metrics::dropped_total;
using push_outbox_metrics::enqueued_total;

const std::vector<std::string_view> migrations = {
    // 1: the queue. AUTOINCREMENT: an id is never reused, so a worker's "after_id" cursor
    // never skips an intent enqueued after older ones were removed.
    R"sql(
CREATE TABLE push_outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    data       TEXT NOT NULL,              -- a JSON object for the app
    created_ms INTEGER NOT NULL
);
CREATE INDEX push_outbox_by_user ON push_outbox(user_id, id);
CREATE INDEX push_outbox_by_time ON push_outbox(created_ms);
)sql",
    // 2: the push worker's delivery state (lease, attempts), opaque to the store.
    R"sql(
ALTER TABLE push_outbox ADD COLUMN state TEXT NOT NULL DEFAULT '';
)sql",
    // 3: fan-outs larger than a chunk, recorded at once in compact form: one row per run of
    // at most `chunk` recipients of the same notification. expand_one() turns the oldest row
    // into push_outbox rows and deletes it, in one transaction.
    R"sql(
CREATE TABLE push_outbox_spill (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    users      TEXT NOT NULL               -- a JSON array of user ids
);
CREATE INDEX push_outbox_spill_by_time ON push_outbox_spill(created_ms);
)sql",
};

Status insert_intent(sqlite::Transaction& txn, const std::string& user,
                     const push::PushIntent& intent, std::int64_t created_ms) {
    auto insert = txn.prepare(
        "INSERT INTO push_outbox (user_id, title, body, data, created_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!insert) return insert.status();
    insert->bind_text(1, user)
        .bind_text(2, intent.title)
        .bind_text(3, intent.body)
        .bind_text(4, intent.data_json.empty() ? "{}" : intent.data_json)
        .bind_int(5, created_ms);
    return insert->run();
}

bool same_notification(const push::PushIntent& a, const push::PushIntent& b, std::int64_t now) {
    return a.title == b.title && a.body == b.body && a.data_json == b.data_json &&
           (a.created_ms != 0 ? a.created_ms : now) == (b.created_ms != 0 ? b.created_ms : now);
}

// One spill row: `notification` to `users`.
Status spill_row(sqlite::Transaction& txn, const push::PushIntent& notification,
                 const boost::json::array& users, std::int64_t now) {
    auto insert = txn.prepare(
        "INSERT INTO push_outbox_spill (title, body, data, created_ms, users) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!insert) return insert.status();
    insert->bind_text(1, notification.title)
        .bind_text(2, notification.body)
        .bind_text(3, notification.data_json.empty() ? "{}" : notification.data_json)
        .bind_int(4, notification.created_ms != 0 ? notification.created_ms : now)
        .bind_text(5, boost::json::serialize(users));
    return insert->run();
}

// intents[from..] as spill rows: consecutive intents of the same notification share a row,
// at most `chunk` users each.
Status spill(sqlite::Transaction& txn, const std::vector<push::PushIntent>& intents,
             std::size_t from, std::size_t chunk, std::int64_t now) {
    std::size_t i = from;
    while (i < intents.size()) {
        const push::PushIntent& first = intents[i];
        boost::json::array users;
        for (; i < intents.size() && users.size() < chunk &&
               same_notification(first, intents[i], now);
             ++i) {
            users.emplace_back(intents[i].user);
        }
        if (auto status = spill_row(txn, first, users, now); !status) return status;
    }
    return ok_status();
}

constexpr std::string_view columns = "SELECT id, user_id, title, body, data, created_ms, state ";

push::PushIntent intent_of(const sqlite::Statement& row) {
    push::PushIntent intent;
    intent.id = row.seq(0);
    intent.user = row.text(1);
    intent.title = row.text(2);
    intent.body = row.text(3);
    intent.data_json = row.text(4);
    intent.created_ms = row.int64(5);
    intent.state = row.text(6);
    return intent;
}

Result<std::vector<push::PushIntent>> select_page(sqlite::Transaction& txn,
                                                  const push::PushQuery& query) {
    auto select =
        txn.prepare(std::string(columns) +
                    (query.user.empty() ? "FROM push_outbox WHERE id > ?1 ORDER BY id LIMIT ?2"
                                        : "FROM push_outbox WHERE id > ?1 AND user_id = ?3 "
                                          "ORDER BY id LIMIT ?2"));
    if (!select) return select.status();
    select->bind_seq(1, query.after_id).bind_int(2, query.limit);
    if (!query.user.empty()) select->bind_text(3, query.user);
    std::vector<push::PushIntent> out;
    for (;;) {
        auto row = select->step();
        if (!row) return row.status();
        if (!*row) break;
        out.push_back(intent_of(*select));
    }
    return out;
}

Result<std::vector<push::PushIntent>> select_ids(sqlite::Transaction& txn,
                                                 const std::vector<std::uint64_t>& ids) {
    std::vector<push::PushIntent> out;
    for (const auto id : ids) {
        auto select = txn.prepare(std::string(columns) + "FROM push_outbox WHERE id = ?1");
        if (!select) return select.status();
        select->bind_seq(1, id);
        auto row = select->step();
        if (!row) return row.status();
        if (*row) out.push_back(intent_of(*select));
    }
    return out;
}

// Runs the rule on each intent and writes the states it returns (inside the transaction: no
// other writer can come between the read and the write).
Result<std::vector<push::PushIntent>> apply_rule(sqlite::Transaction& txn,
                                                 std::vector<push::PushIntent> intents,
                                                 const push::PushStateRule& rule,
                                                 std::int64_t now_ms) {
    std::vector<push::PushIntent> written;
    for (auto& intent : intents) {
        auto next = rule(intent, now_ms);
        if (!next) continue;
        auto write = txn.prepare("UPDATE push_outbox SET state = ?2 WHERE id = ?1");
        if (!write) return write.status();
        write->bind_seq(1, intent.id).bind_text(2, *next);
        if (auto status = write->run(); !status) return status;
        intent.state = std::move(*next);
        written.push_back(std::move(intent));
    }
    return written;
}

}  // namespace

SqlitePushOutbox::SqlitePushOutbox(sqlite::Database& db, const Clock& clock,
                                   PushOutboxLimits limits)
    : db_(db), clock_(clock), limits_(limits) {
    if (Status s = apply_feature_schema(db_, "push_outbox", migrations); !s)
        throw std::runtime_error(s.message());
    enqueued_total();
    dropped_total();
    db_.every(std::chrono::duration_cast<std::chrono::milliseconds>(limits_.sweep_interval),
              "push outbox retention", [this](sqlite::Transaction& txn) { return sweep(txn); });
    // What a previous run spilled and did not expand before it stopped.
    expand();
}

void SqlitePushOutbox::expand() {
    if (expanding_.exchange(true)) return;
    // Relaxed: lost on a power failure, the spill row is simply still there to expand.
    db_.write([this](sqlite::Transaction& txn) { return expand_one(txn); },
              [this](const Status& status) {
                  // Queue full or closing: the worker's next claim() (or the next start) asks
                  // again; nothing is lost, the spill row stays.
                  expanding_ = false;
                  MUSTER_LOG_DEBUG("push") << "outbox expansion deferred: " << status.message();
              },
              sqlite::Database::Durability::relaxed);
}

Status SqlitePushOutbox::expand_one(sqlite::Transaction& txn) {
    std::uint64_t spill_id = 0;
    push::PushIntent intent;
    std::int64_t created_ms = 0;
    std::string users_json;
    {
        auto next = txn.prepare(
            "SELECT id, title, body, data, created_ms, users FROM push_outbox_spill "
            "ORDER BY id LIMIT 1");
        if (!next) return next.status();
        auto row = next->step();
        if (!row) return row.status();
        if (!*row) {
            txn.after_commit([this] {
                spill_pending_ = false;
                expanding_ = false;
            });
            return ok_status();
        }
        spill_id = next->seq(0);
        intent.title = next->text(1);
        intent.body = next->text(2);
        intent.data_json = next->text(3);
        created_ms = next->int64(4);
        users_json = next->text(5);
    }
    boost::system::error_code error;
    const boost::json::value users = boost::json::parse(users_json, error);
    std::uint64_t dropped = 0;
    if (error || !users.is_array()) {
        dropped = 1;  // written by this class only: a damaged row cannot be read back
    } else {
        for (const auto& user : users.as_array()) {
            if (!user.is_string()) continue;
            const std::string id(user.as_string());
            if (auto status = insert_intent(txn, id, intent, created_ms); !status) return status;
        }
    }
    auto erase = txn.prepare("DELETE FROM push_outbox_spill WHERE id = ?1");
    if (!erase) return erase.status();
    erase->bind_seq(1, spill_id);
    if (auto status = erase->run(); !status) return status;
    txn.after_commit([this, dropped] {
        if (dropped > 0) {
            dropped_total().inc(dropped);
            MUSTER_LOG_ERROR("push") << "outbox: a damaged spill row was dropped";
        }
        expanding_ = false;
        expand();  // the next chunk, in a transaction of its own
    });
    return ok_status();
}

void SqlitePushOutbox::enqueue(std::vector<push::PushIntent> intents, Done<Unit> done) {
    auto job = [this, intents = std::move(intents), done](sqlite::Transaction& txn) -> Status {
        if (auto status = enqueue_in_transaction(txn, intents); !status) return status;
        txn.after_commit([done] { done(Unit{}); });
        return ok_status();
    };
    db_.write(std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); });
}

Status SqlitePushOutbox::enqueue_in_transaction(sqlite::Transaction& txn,
                                                const std::vector<push::PushIntent>& intents) {
    if (!txn.writable()) return {errc::internal, "enqueue_in_transaction outside a write job"};
    const std::int64_t now = clock_.now_ms();
    const std::size_t direct = std::min<std::size_t>(intents.size(), limits_.chunk);
    for (std::size_t i = 0; i < direct; ++i) {
        const auto& intent = intents[i];
        const std::int64_t created = intent.created_ms != 0 ? intent.created_ms : now;
        if (auto status = insert_intent(txn, intent.user, intent, created); !status) return status;
    }
    const bool spilled = intents.size() > direct;
    if (spilled) {
        if (auto status = spill(txn, intents, direct, limits_.chunk, now); !status) return status;
    }
    if (!intents.empty()) {
        txn.after_commit([this, n = intents.size(), spilled] {
            enqueued_total().inc(n);
            if (!spilled) return;
            spill_pending_ = true;
            expand();
        });
    }
    return ok_status();
}

Status SqlitePushOutbox::enqueue_in_transaction(sqlite::Transaction& txn,
                                                const push::PushFanout& fanout) {
    if (!txn.writable()) return {errc::internal, "enqueue_in_transaction outside a write job"};
    const std::int64_t now = clock_.now_ms();
    const push::PushIntent& notification = fanout.notification;
    const std::int64_t created = notification.created_ms != 0 ? notification.created_ms : now;
    const std::size_t count = fanout.users.size();
    const std::size_t direct = std::min<std::size_t>(count, limits_.chunk);
    for (std::size_t i = 0; i < direct; ++i) {
        if (auto status = insert_intent(txn, fanout.users[i], notification, created); !status)
            return status;
    }
    for (std::size_t i = direct; i < count;) {
        boost::json::array users;
        for (; i < count && users.size() < limits_.chunk; ++i) users.emplace_back(fanout.users[i]);
        if (auto status = spill_row(txn, notification, users, now); !status) return status;
    }
    if (count > 0) {
        txn.after_commit([this, count, spilled = count > direct] {
            enqueued_total().inc(count);
            if (!spilled) return;
            spill_pending_ = true;
            expand();
        });
    }
    return ok_status();
}

void SqlitePushOutbox::list(push::PushQuery query, Done<std::vector<push::PushIntent>> done) {
    auto job = [query = std::move(query), done](sqlite::Transaction& txn) -> Status {
        auto page = select_page(txn, query);
        if (!page) return page.status();
        txn.after_commit([done, out = std::move(*page)]() mutable { done(std::move(out)); });
        return ok_status();
    };
    db_.read(std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); });
}

void SqlitePushOutbox::claim(push::PushQuery query, push::PushStateRule rule,
                             Done<std::vector<push::PushIntent>> done) {
    if (spill_pending_ && !expanding_) expand();  // an expansion that was deferred
    write_states(
        [query = std::move(query)](sqlite::Transaction& txn) { return select_page(txn, query); },
        std::move(rule), std::move(done));
}

void SqlitePushOutbox::update(std::vector<std::uint64_t> ids, push::PushStateRule rule,
                              Done<std::vector<push::PushIntent>> done) {
    write_states([ids = std::move(ids)](sqlite::Transaction& txn) { return select_ids(txn, ids); },
                 std::move(rule), std::move(done));
}

void SqlitePushOutbox::write_states(Selection select, push::PushStateRule rule,
                                    Done<std::vector<push::PushIntent>> done) {
    auto job = [this, select = std::move(select), rule = std::move(rule),
                done](sqlite::Transaction& txn) -> Status {
        auto found = select(txn);
        if (!found) return found.status();
        auto written = apply_rule(txn, std::move(*found), rule, clock_.now_ms());
        if (!written) return written.status();
        txn.after_commit([done, out = std::move(*written)]() mutable { done(std::move(out)); });
        return ok_status();
    };
    db_.write(
        std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); },
        sqlite::Database::Durability::relaxed);
}

void SqlitePushOutbox::remove(std::vector<std::uint64_t> ids, Done<std::uint64_t> done) {
    auto job = [ids = std::move(ids), done](sqlite::Transaction& txn) -> Status {
        std::uint64_t removed = 0;
        for (const auto id : ids) {
            auto erase = txn.prepare("DELETE FROM push_outbox WHERE id = ?1");
            if (!erase) return erase.status();
            erase->bind_seq(1, id);
            if (auto status = erase->run(); !status) return status;
            removed += static_cast<std::uint64_t>(txn.db().changes());
        }
        txn.after_commit([done, removed] { done(removed); });
        return ok_status();
    };
    db_.write(
        std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); },
        sqlite::Database::Durability::relaxed);
}

// Cost: two indexed deletes; a first sweep after a long outage deletes many rows in the batch.
Status SqlitePushOutbox::sweep(sqlite::Transaction& txn) {
    std::int64_t dropped = 0;
    {
        auto old = txn.prepare("DELETE FROM push_outbox WHERE created_ms < ?1");
        if (!old) return old.status();
        old->bind_int(
            1, clock_.now_ms() -
                   std::chrono::duration_cast<std::chrono::milliseconds>(limits_.max_age).count());
        if (auto status = old->run(); !status) return status;
        dropped += txn.db().changes();
    }
    {
        // Spilled fan-outs age like intents (each row counts its recipients).
        const std::int64_t cutoff =
            clock_.now_ms() -
            std::chrono::duration_cast<std::chrono::milliseconds>(limits_.max_age).count();
        std::int64_t aged = 0;
        {
            auto count = txn.prepare(
                "SELECT COALESCE(SUM(json_array_length(users)), 0) FROM push_outbox_spill "
                "WHERE created_ms < ?1");
            if (!count) return count.status();
            count->bind_int(1, cutoff);
            auto row = count->step();
            if (!row) return row.status();
            if (*row) aged = count->int64(0);
        }
        if (aged > 0) {
            auto old = txn.prepare("DELETE FROM push_outbox_spill WHERE created_ms < ?1");
            if (!old) return old.status();
            old->bind_int(1, cutoff);
            if (auto status = old->run(); !status) return status;
            dropped += aged;
        }
    }
    {
        auto over = txn.prepare(
            "DELETE FROM push_outbox WHERE id <= "
            "(SELECT id FROM push_outbox ORDER BY id DESC LIMIT 1 OFFSET ?1)");
        if (!over) return over.status();
        over->bind_seq(1, limits_.max_intents);
        if (auto status = over->run(); !status) return status;
        dropped += txn.db().changes();
    }
    if (dropped > 0) {
        txn.after_commit([dropped] {
            dropped_total().inc(static_cast<std::uint64_t>(dropped));
            MUSTER_LOG_WARN("push")
                << "outbox retention dropped " << dropped << " undelivered push intents";
        });
    }
    return ok_status();
}

}  // namespace muster::store
