#pragma once
// The event log of a single node, in SQLite (see event_log.hpp for the contract).
//
// Sequences: the head (last seq) of each group is a row of group_heads, updated in the same
// transaction that inserts the event, and cached in memory on the writer thread so that an
// append costs no read. The cache entry of a group is dropped whenever a job that touched it
// is rolled back (its savepoint, or the whole batch), and is then read again from the
// database, which is right by construction.
//
// Delivery: after the commit, on the writer thread and in seq order, each appended event is
// handed to the bus (CommittedEvents::deliver()), and only then is the appender's `done` called.
//
// Retention: every trim interval (and on trim_now()), a job on the writer thread deletes, per
// group, the events beyond retention_events and those older than retention_age_s, and the
// idempotency keys that have expired. The retained events of a group are always a contiguous
// range ending at the head, so oldest_seq is simply the smallest retained seq.

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "bus/bus.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "sqlite/database.hpp"
#include "store/event_log.hpp"

namespace muster::store {

class SqliteEventLog final : public EventLog {
  public:
    // Schedules retention on `db` every `trim_interval` (zero: only on trim_now()). The
    // database must be closed before this log is destroyed.
    SqliteEventLog(sqlite::Database& db, bus::CommittedEvents& bus, LogConfig config,
                   const Clock& clock, std::chrono::seconds trim_interval);

    void append(AppendRequest request, Done<Appended> done) override;
    void read_after(std::string group, std::uint64_t after_seq, std::uint32_t limit,
                    Done<LogRange> done) override;
    void read_before(std::string group, std::uint64_t before_seq, std::uint32_t limit,
                     Done<LogRange> done) override;

    // Appends inside a write job of another SQLite store, in that job's transaction: the event
    // is committed (or rolled back) together with the job's own statements. Sets
    // request.event's seq (and time_ms when it is 0). The bus delivery is registered as an
    // after-commit action of `txn`; register the job's own completion after this call so that
    // it runs after the delivery. Writer thread only (a read job gets INTERNAL).
    // Errors: NOT_FOUND "no such group: X", INVALID_ARGUMENT for an empty group, or the
    // database's.
    Result<Appended> append_in_transaction(sqlite::Transaction& txn, AppendRequest& request);

    // Runs retention now (as a job on the writer thread); `done` once it has committed.
    void trim_now(Done<Unit> done);

  private:
    Result<std::uint64_t> head_of(sqlite::Transaction& txn, const std::string& group);
    Result<std::uint64_t> find_duplicate(sqlite::Transaction& txn, const AppendRequest& request,
                                         std::int64_t now_ms);
    Status trim(sqlite::Transaction& txn);
    Result<std::uint64_t> trim_group(sqlite::Transaction& txn, const std::string& group,
                                     std::uint64_t head, std::int64_t now_ms);
    void read(std::string group, std::uint64_t bound, std::uint32_t limit, bool after,
              Done<LogRange> done);

    sqlite::Database& db_;
    bus::CommittedEvents& bus_;
    const LogConfig config_;
    const Clock& clock_;
    // group -> last seq, for groups known to exist. Writer thread only.
    std::unordered_map<std::string, std::uint64_t> heads_;
};

}  // namespace muster::store
