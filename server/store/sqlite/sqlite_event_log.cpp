#include "store/sqlite/sqlite_event_log.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "core/log.hpp"
#include "core/metrics.hpp"

namespace muster::store {
namespace {

metrics::Counter& appended_total() {
    static auto& counter = metrics::registry().counter(
        "muster_events_appended_total", "Events committed to the log (duplicates excluded)");
    return counter;
}

// The head of an existing group (NULL: no event yet); no row: no such group.
constexpr const char* head_sql =
    "SELECT h.last_seq FROM groups g LEFT JOIN group_heads h ON h.group_id = g.id "
    "WHERE g.id = ?1";

Status no_such_group(const std::string& group) {
    return {errc::not_found, "no such group: " + group};
}

// One snapshot (the read job's transaction): the head, the oldest retained seq and a page.
Result<LogRange> read_range(sqlite::Transaction& txn, const std::string& group, std::uint64_t bound,
                            std::uint32_t limit, bool after) {
    LogRange range;
    {
        auto head = txn.prepare(head_sql);
        if (!head) return head.status();
        head->bind_text(1, group);
        auto row = head->step();
        if (!row) return row.status();
        if (!*row) return no_such_group(group);
        range.latest_seq = head->is_null(0) ? 0 : head->seq(0);
    }
    {
        auto oldest =
            txn.prepare("SELECT seq FROM events WHERE group_id = ?1 ORDER BY seq LIMIT 1");
        if (!oldest) return oldest.status();
        oldest->bind_text(1, group);
        auto row = oldest->step();
        if (!row) return row.status();
        range.oldest_seq = *row ? oldest->seq(0) : range.latest_seq + 1;
    }
    if (limit == 0) return range;

    auto page = txn.prepare(
        after ? "SELECT body FROM events WHERE group_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
              : "SELECT body FROM events WHERE group_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT "
                "?3");
    if (!page) return page.status();
    page->bind_text(1, group).bind_seq(2, bound).bind_int(3, limit);
    range.events.reserve(std::min<std::uint32_t>(limit, 1024));
    for (;;) {
        auto row = page->step();
        if (!row) return row.status();
        if (!*row) break;
        range.events.push_back(make_shared_bytes(page->blob(0)));
    }
    if (!after) std::reverse(range.events.begin(), range.events.end());
    return range;
}

}  // namespace

SqliteEventLog::SqliteEventLog(sqlite::Database& db, bus::CommittedEvents& bus, LogConfig config,
                               const Clock& clock, std::chrono::seconds trim_interval)
    : db_(db), bus_(bus), config_(config), clock_(clock) {
    appended_total();  // the counter is listed from the start, at 0
    db_.every(trim_interval, "log retention",
              [this](sqlite::Transaction& txn) { return trim(txn); });
}

// ---- appending -------------------------------------------------------------------------------

void SqliteEventLog::append(AppendRequest request, Done<Appended> done) {
    auto job = [this, request = std::move(request),
                done](sqlite::Transaction& txn) mutable -> Status {
        auto appended = append_in_transaction(txn, request);
        if (!appended) return appended.status();
        // Registered after the delivery: the appender hears back once the event is on its way.
        txn.after_commit([done, result = std::move(appended).value()] { done(result); });
        return ok_status();
    };
    db_.write(std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); });
}

Result<Appended> SqliteEventLog::append_in_transaction(sqlite::Transaction& txn,
                                                       AppendRequest& request) {
    if (!txn.writable() || !db_.on_writer_thread()) {
        return Status(errc::internal, "append_in_transaction outside a write job");
    }
    auto& event = request.event;
    const std::string& group = event.group();
    if (group.empty()) return Status(errc::invalid_argument, "event without a group");

    auto head = head_of(txn, group);
    if (!head) return head.status();
    const std::int64_t now = clock_.now_ms();
    const bool keyed = !request.idempotency_key.empty() && config_.idempotency_ttl_s > 0;
    if (keyed) {
        auto original = find_duplicate(txn, request, now);
        if (!original) return original.status();
        if (*original > 0) return Appended{*original, true, nullptr};
    }

    const std::uint64_t seq = *head + 1;
    event.set_seq(seq);
    if (event.time_ms() == 0) event.set_time_ms(now);
    std::string bytes;
    if (!event.SerializeToString(&bytes)) return Status(errc::internal, "cannot serialise event");

    {
        auto insert = txn.prepare(
            "INSERT INTO events (group_id, seq, time_ms, body) VALUES (?1, ?2, ?3, ?4)");
        if (!insert) return insert.status();
        insert->bind_text(1, group)
            .bind_seq(2, seq)
            .bind_int(3, event.time_ms())
            .bind_blob(4, bytes);
        if (auto status = insert->run(); !status) return status;
    }
    {
        auto advance = txn.prepare(
            "INSERT INTO group_heads (group_id, last_seq) VALUES (?1, ?2) "
            "ON CONFLICT (group_id) DO UPDATE SET last_seq = excluded.last_seq");
        if (!advance) return advance.status();
        advance->bind_text(1, group).bind_seq(2, seq);
        if (auto status = advance->run(); !status) return status;
    }
    if (keyed) {
        // An expired key of the same name is replaced: the TTL has passed, this is a new append.
        auto remember = txn.prepare(
            "INSERT INTO idempotency (group_id, user_id, key, seq, expires_ms) "
            "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (group_id, user_id, key) "
            "DO UPDATE SET seq = excluded.seq, expires_ms = excluded.expires_ms");
        if (!remember) return remember.status();
        const auto ttl_ms = static_cast<std::int64_t>(
            std::min<std::uint64_t>(config_.idempotency_ttl_s, 100ULL * 365 * 86400) * 1000);
        remember->bind_text(1, group)
            .bind_text(2, request.idempotency_user)
            .bind_text(3, request.idempotency_key)
            .bind_seq(4, seq)
            .bind_int(5, now + ttl_ms);
        if (auto status = remember->run(); !status) return status;
    }

    // Count-based retention as the log grows, so that a busy group never holds much more than
    // retention_events (the periodic trim handles age). Every append for a small retention,
    // every 64th for a large one: one indexed DELETE, amortised.
    if (config_.retention_events > 0 && seq > config_.retention_events &&
        seq % std::clamp<std::uint64_t>(config_.retention_events / 16, 1, 64) == 0) {
        auto trim_old = txn.prepare("DELETE FROM events WHERE group_id = ?1 AND seq <= ?2");
        if (!trim_old) return trim_old.status();
        trim_old->bind_text(1, group).bind_seq(2, seq - config_.retention_events);
        if (auto status = trim_old->run(); !status) return status;
    }

    heads_[group] = seq;
    txn.on_rollback([this, group] { heads_.erase(group); });
    auto shared = make_shared_bytes(std::move(bytes));
    txn.after_commit([this, group, seq, shared] {
        bus_.deliver(group, seq, shared);
        appended_total().inc();
    });
    return Appended{seq, false, std::move(shared)};
}

Result<std::uint64_t> SqliteEventLog::head_of(sqlite::Transaction& txn, const std::string& group) {
    if (auto it = heads_.find(group); it != heads_.end()) return it->second;
    auto head = txn.prepare(head_sql);
    if (!head) return head.status();
    head->bind_text(1, group);
    auto row = head->step();
    if (!row) return row.status();
    if (!*row) return no_such_group(group);
    const std::uint64_t seq = head->is_null(0) ? 0 : head->seq(0);
    heads_.emplace(group, seq);
    // Even a value only read may be undone: the job may have created the group itself.
    txn.on_rollback([this, group] { heads_.erase(group); });
    return seq;
}

// The seq of an unexpired earlier append with the same key, or 0.
Result<std::uint64_t> SqliteEventLog::find_duplicate(sqlite::Transaction& txn,
                                                     const AppendRequest& request,
                                                     std::int64_t now_ms) {
    auto find = txn.prepare(
        "SELECT seq FROM idempotency WHERE group_id = ?1 AND user_id = ?2 AND key = ?3 "
        "AND expires_ms > ?4");
    if (!find) return find.status();
    find->bind_text(1, request.event.group())
        .bind_text(2, request.idempotency_user)
        .bind_text(3, request.idempotency_key)
        .bind_int(4, now_ms);
    auto row = find->step();
    if (!row) return row.status();
    return *row ? find->seq(0) : 0;
}

// ---- reading ---------------------------------------------------------------------------------

void SqliteEventLog::read_after(std::string group, std::uint64_t after_seq, std::uint32_t limit,
                                Done<LogRange> done) {
    read(std::move(group), after_seq, limit, true, std::move(done));
}

void SqliteEventLog::read_before(std::string group, std::uint64_t before_seq, std::uint32_t limit,
                                 Done<LogRange> done) {
    read(std::move(group), before_seq, limit, false, std::move(done));
}

void SqliteEventLog::read(std::string group, std::uint64_t bound, std::uint32_t limit, bool after,
                          Done<LogRange> done) {
    auto job = [group = std::move(group), bound, limit, after,
                done](sqlite::Transaction& txn) -> Status {
        auto range = read_range(txn, group, bound, limit, after);
        if (!range) return range.status();
        txn.after_commit(
            [done, result = std::move(range).value()]() mutable { done(std::move(result)); });
        return ok_status();
    };
    db_.read(std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); });
}

// ---- retention -------------------------------------------------------------------------------

void SqliteEventLog::trim_now(Done<Unit> done) {
    auto job = [this, done](sqlite::Transaction& txn) -> Status {
        if (auto status = trim(txn); !status) return status;
        txn.after_commit([done] { done(Unit{}); });
        return ok_status();
    };
    db_.write(std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); });
}

// Cost: one indexed probe per group with events, plus the rows deleted (all in the writer's
// transaction, so a first trim after lowering the retention a lot delays that batch).
Status SqliteEventLog::trim(sqlite::Transaction& txn) {
    const std::int64_t now = clock_.now_ms();
    std::vector<std::pair<std::string, std::uint64_t>> heads;
    {
        auto list = txn.prepare("SELECT group_id, last_seq FROM group_heads");
        if (!list) return list.status();
        for (;;) {
            auto row = list->step();
            if (!row) return row.status();
            if (!*row) break;
            heads.emplace_back(list->text(0), list->seq(1));
        }
    }
    std::uint64_t events = 0;
    for (const auto& [group, head] : heads) {
        auto trimmed = trim_group(txn, group, head, now);
        if (!trimmed) return trimmed.status();
        events += *trimmed;
    }

    auto expire = txn.prepare("DELETE FROM idempotency WHERE expires_ms <= ?1");
    if (!expire) return expire.status();
    expire->bind_int(1, now);
    if (auto status = expire->run(); !status) return status;
    const auto keys = txn.db().changes();

    if (events > 0 || keys > 0) {
        MUSTER_LOG_INFO("store") << "retention: trimmed " << events << " events, expired " << keys
                                 << " idempotency keys";
    }
    return ok_status();
}

// Deletes a prefix of the group's log; returns how many events went.
Result<std::uint64_t> SqliteEventLog::trim_group(sqlite::Transaction& txn, const std::string& group,
                                                 std::uint64_t head, std::int64_t now_ms) {
    std::uint64_t cut = 0;  // every seq <= cut goes
    if (config_.retention_events > 0 && head > config_.retention_events) {
        cut = head - config_.retention_events;
    }
    const auto age_s = config_.retention_age_s;
    if (age_s > 0 && age_s < static_cast<std::uint64_t>(now_ms) / 1000) {
        // The first event young enough to keep ends the prefix; clocks may step back, so the
        // cut never goes past it even if a later event looks older.
        auto first_kept = txn.prepare(
            "SELECT seq FROM events WHERE group_id = ?1 AND seq > ?2 AND time_ms >= ?3 "
            "ORDER BY seq LIMIT 1");
        if (!first_kept) return first_kept.status();
        first_kept->bind_text(1, group).bind_seq(2, cut).bind_int(
            3, now_ms - static_cast<std::int64_t>(age_s) * 1000);
        auto row = first_kept->step();
        if (!row) return row.status();
        cut = *row ? std::max(cut, first_kept->seq(0) - 1) : head;
    }
    if (cut == 0) return std::uint64_t{0};

    auto remove = txn.prepare("DELETE FROM events WHERE group_id = ?1 AND seq <= ?2");
    if (!remove) return remove.status();
    remove->bind_text(1, group).bind_seq(2, cut);
    if (auto status = remove->run(); !status) return status;
    return static_cast<std::uint64_t>(txn.db().changes());
}

}  // namespace muster::store
