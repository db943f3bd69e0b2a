// The writer thread of Database (database.hpp): batching, savepoints, group
// commit, completions in queue order.

#include <algorithm>
#include <atomic>
#include <exception>
#include <utility>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "sqlite/database.hpp"
#include "sqlite/jobs.hpp"

namespace muster::sqlite {
namespace {

using steady = std::chrono::steady_clock;

constexpr const char* wait_help =
    "Time a store job waited in its queue until its thread began it (queue: read, "
    "write_synced, write_relaxed)";

metrics::Histogram& commit_seconds() {
    static auto& histogram = metrics::registry().histogram(
        "muster_store_commit_seconds", "Time from BEGIN to the end of COMMIT of one write batch",
        metrics::latency_buckets());
    return histogram;
}

metrics::Histogram& batch_size() {
    static auto& histogram = metrics::registry().histogram(
        "muster_store_batch_size", "Write jobs committed in one transaction",
        {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096});
    return histogram;
}

const std::vector<double>& wait_buckets() {
    // From a tenth of a millisecond (a free writer) to a second (a stalled disk).
    static const std::vector<double> buckets{0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008,
                                             0.016,  0.032,   0.064,  0.128, 0.256, 0.512, 1.0};
    return buckets;
}

// One series per queue, registered together.
metrics::Histogram& wait_seconds(WaitQueue queue) {
    static auto& read = metrics::registry().histogram("muster_store_wait_seconds", wait_help,
                                                      wait_buckets(), R"(queue="read")");
    static auto& synced = metrics::registry().histogram("muster_store_wait_seconds", wait_help,
                                                        wait_buckets(), R"(queue="write_synced")");
    static auto& relaxed = metrics::registry().histogram(
        "muster_store_wait_seconds", wait_help, wait_buckets(), R"(queue="write_relaxed")");
    switch (queue) {
        case WaitQueue::read:
            return read;
        case WaitQueue::write_relaxed:
            return relaxed;
        case WaitQueue::write_synced:
            break;
    }
    return synced;
}

void run_undo(std::vector<std::function<void()>>& undo) {
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) run_guarded(*it);
    undo.clear();
}

}  // namespace

std::atomic<std::int64_t>& store_queued_jobs() {
    static std::atomic<std::int64_t> count{0};
    // Reads a static: registered for the life of the process.
    static const metrics::Registration registered = metrics::registry().gauge_fn(
        "muster_store_queue_depth", "Store jobs (writes and reads) waiting for SQLite",
        [] { return static_cast<double>(count.load(std::memory_order_relaxed)); });
    return count;
}

metrics::Counter& wal_checkpoints() {
    static auto& counter = metrics::registry().counter(
        "muster_store_wal_checkpoints_total",
        "WAL checkpoints run by the checkpointer thread, off the writer's commits");
    return counter;
}

void observe_wait(WaitQueue queue, steady::time_point queued, steady::time_point began) {
    wait_seconds(queue).observe(std::chrono::duration<double>(began - queued).count());
}

void register_store_metrics() {
    store_queued_jobs();
    commit_seconds();
    batch_size();
    wal_checkpoints();
    wait_seconds(WaitQueue::read);
}

Status run_job_guarded(Job& job, Transaction& txn) {
    try {
        return job(txn);
    } catch (const std::exception& e) {
        return {errc::internal, std::string("store job threw: ") + e.what()};
    }
}

void run_guarded(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const std::exception& e) {
        MUSTER_LOG_ERROR("store") << "store completion threw: " << e.what();
    }
}

struct Database::Outcome {
    bool ran = false;
    Status status;
    std::vector<std::function<void()>> after_commit;
    std::vector<std::function<void()>> on_rollback;
};

bool Database::next_batch(std::unique_lock<std::mutex>& lock, std::vector<Entry>& batch) {
    for (;;) {
        const auto now = steady::now();
        auto next_due = steady::time_point::max();
        if (!closing_) {
            for (auto& periodic : periodic_) {
                if (periodic.next <= now) {
                    batch.push_back(Entry{periodic.job, [name = periodic.name](const Status& s) {
                                              MUSTER_LOG_WARN("store")
                                                  << name << " failed: " << s.message();
                                          }});
                    periodic.next = now + periodic.interval;
                }
                next_due = std::min(next_due, periodic.next);
            }
        }
        const auto take = std::min<std::size_t>(writes_.size(), options_.max_batch);
        for (std::size_t i = 0; i < take; ++i) {
            batch.push_back(std::move(writes_.front()));
            writes_.pop_front();
        }
        store_queued_jobs().fetch_sub(static_cast<std::int64_t>(take), std::memory_order_relaxed);
        if (!batch.empty()) return true;
        if (closing_) return false;
        if (next_due == steady::time_point::max()) {
            write_ready_.wait(lock);
        } else {
            write_ready_.wait_until(lock, next_due);
        }
    }
}

void Database::writer_loop() {
    std::vector<Entry> batch;
    std::vector<Entry> relaxed;
    std::unique_lock lock(mutex_);
    while (next_batch(lock, batch)) {
        lock.unlock();
        // Synced jobs first, in a commit of their own: a chat append waits for its fsync, not
        // also for push bookkeeping that happened to be queued beside it (see Durability).
        // In place, in queue order, into vectors whose capacity is kept from round to round.
        std::size_t kept = 0;
        for (auto& entry : batch) {
            if (entry.durability == Durability::relaxed) {
                relaxed.push_back(std::move(entry));
            } else if (&batch[kept] != &entry) {
                batch[kept++] = std::move(entry);
            } else {
                ++kept;
            }
        }
        batch.erase(batch.begin() + static_cast<std::ptrdiff_t>(kept), batch.end());
        if (!batch.empty()) run_batch(batch);
        if (!relaxed.empty()) run_batch(relaxed);
        batch.clear();  // the jobs' captures die here, outside the lock
        relaxed.clear();
        lock.lock();
    }
}

void Database::run_batch(std::vector<Entry>& batch) {
    Connection& db = *writer_db_;
    const auto started = steady::now();
    std::vector<Outcome> outcomes(batch.size());
    for (const auto& entry : batch) {
        if (!entry.queued) continue;  // a periodic job of the writer's own
        observe_wait(entry.durability == Durability::relaxed ? WaitQueue::write_relaxed
                                                             : WaitQueue::write_synced,
                     *entry.queued, started);
    }

    // Only when every job of the batch allows it (see Durability): one synced job makes the
    // whole commit wait for the disk, as before.
    const bool relax = options_.synchronous_full &&
                       std::all_of(batch.begin(), batch.end(), [](const Entry& entry) {
                           return entry.durability == Durability::relaxed;
                       });
    if (relax) (void)exec_cached(db, "PRAGMA synchronous=NORMAL");
    Status failure = exec_cached(db, "BEGIN IMMEDIATE");
    if (!failure.ok()) {
        failure = Status(errc::unavailable, "store cannot begin: " + failure.message());
    }
    for (std::size_t i = 0; failure.ok() && i < batch.size(); ++i) {
        outcomes[i] = run_job(batch[i]);
        if (!db.in_transaction()) {
            // SQLite rolled the whole transaction back (I/O error, disk full): the work of the
            // jobs before this one is gone too.
            failure = Status(errc::unavailable,
                             "store transaction aborted: " + outcomes[i].status.message());
        }
    }
    if (failure.ok()) {
        if (auto status = exec_cached(db, "COMMIT"); !status) {
            // The commit's error is the one reported; a failed ROLLBACK leaves SQLite to roll
            // back itself when the connection next begins (nothing of the batch is kept).
            if (db.in_transaction()) (void)exec_cached(db, "ROLLBACK");
            failure = Status(errc::unavailable, "store commit failed: " + status.message());
        }
    }

    if (failure.ok()) {
        commit_seconds().observe(std::chrono::duration<double>(steady::now() - started).count());
        batch_size().observe(static_cast<double>(batch.size()));
    } else {
        MUSTER_LOG_ERROR("store") << failure.message() << " (a batch of " << batch.size()
                                  << " jobs fails)";
        for (auto i = outcomes.size(); i-- > 0;) {
            auto& outcome = outcomes[i];
            if (outcome.ran && outcome.status.ok()) run_undo(outcome.on_rollback);
            // A job that failed on its own keeps its own reason.
            if (!outcome.ran || outcome.status.ok()) outcome.status = failure;
        }
    }

    // Back before any completion runs: the next batch may hold a chat append.
    if (relax) (void)exec_cached(db, "PRAGMA synchronous=FULL");
    for (std::size_t i = 0; i < batch.size(); ++i) {
        auto& outcome = outcomes[i];
        if (outcome.status.ok()) {
            for (auto& action : outcome.after_commit) run_guarded(action);
        } else if (batch[i].failed) {
            run_guarded([&] { batch[i].failed(std::move(outcome.status)); });
        }
    }
}

Database::Outcome Database::run_job(Entry& entry) {
    Connection& db = *writer_db_;
    Outcome outcome;
    outcome.ran = true;
    outcome.status = exec_cached(db, "SAVEPOINT job");
    if (!outcome.status.ok()) return outcome;

    Transaction txn(db, true);
    outcome.status = run_job_guarded(entry.job, txn);
    if (outcome.status.ok()) outcome.status = exec_cached(db, "RELEASE job");
    if (outcome.status.ok()) {
        outcome.after_commit = std::move(txn.after_commit_);
        outcome.on_rollback = std::move(txn.on_rollback_);
        return outcome;
    }
    if (db.in_transaction()) {
        // Best effort: the job's error is the one reported. ROLLBACK TO fails only when the
        // connection itself is broken (I/O error, out of memory), and then so does the COMMIT.
        (void)exec_cached(db, "ROLLBACK TO job");
        (void)exec_cached(db, "RELEASE job");
    }
    run_undo(txn.on_rollback_);
    return outcome;
}

Status Database::exec_cached(Connection& db, std::string_view sql) {
    auto stmt = db.prepare(sql);
    if (!stmt) return stmt.status();
    return stmt->run();
}

}  // namespace muster::sqlite
