#pragma once
// The embedded database: one SQLite file, one writer thread and one reader thread, each with
// its own connection. Every SQLite store (store/sqlite/: event log, directory, feature stores,
// push outbox) runs its statements here as jobs; no SQLite call ever runs on a caller's
// thread, so the Asio threads that queue jobs never block on the disk. The driver knows no
// schema: the application's migration is given in Options and run once at open().
//
// Writes: group commit. The writer takes everything queued (up to max_batch jobs) and runs its
// synced jobs in ONE transaction, each job inside its own SAVEPOINT so that a failing job rolls
// back alone; it then commits once (one fsync for the whole batch) and only then runs each
// job's after-commit actions, in queue order. The relaxed jobs it took (see Durability) follow
// in a second transaction of their own, the same way. A job that fails gets its failure
// callback instead, at the same point in that order. If a commit fails, every job of its batch
// fails with UNAVAILABLE and the rollback actions of those jobs are run (caches forget what
// was lost).
//
// Reads: the journal is in WAL mode, so the reader's snapshots never wait on the writer. Each
// read job runs in its own read transaction (a consistent snapshot across its statements).
//
// Both queues are bounded (queue_max): over the bound a job fails at once, on the caller's
// thread, with UNAVAILABLE "store queue full".
//
// Lifetime: close() (or the destructor) drains both queues, commits and joins the threads.
// Stores built on the database capture themselves in the jobs they queue, so close the
// database before destroying them (SqliteStore does).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/config.hpp"
#include "core/metrics.hpp"
#include "core/status.hpp"
#include "sqlite/connection.hpp"

namespace muster::sqlite {

struct Options {
    std::string path;
    bool synchronous_full = true;                  // PRAGMA synchronous=FULL (power-safe) or NORMAL
    std::uint32_t max_batch = 1024;                // write jobs per transaction
    std::uint32_t queue_max = 100000;              // per queue (writes, reads)
    std::chrono::milliseconds busy_timeout{5000};  // only another process can make us wait
    // WAL frames after which the checkpointer thread copies the WAL into the database file
    // (SQLite's own default; it would do it inside the commit that crosses it).
    std::uint32_t checkpoint_frames = 1000;
    // The application's schema: run by open() on the writer connection, before the reader
    // opens and before any job (start-up, the calling thread). Empty: the file is used as it
    // is. A failure fails open().
    std::function<Status(Connection&)> migrate;

    // From the configuration: INVALID_ARGUMENT for an unknown `synchronous`.
    static Result<Options> from(const std::string& path, const StoreConfig& config);
};

// What a job sees: the connection inside the open transaction, and hooks on its outcome.
// A write job's transaction is the batch's; its statements are rolled back to the job's
// savepoint if it returns an error.
class Transaction {
  public:
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    [[nodiscard]] Connection& db() { return db_; }
    // A cached statement of this connection (see Connection::prepare).
    Result<Statement> prepare(std::string_view sql) { return db_.prepare(sql); }
    // True on the writer thread; false for read jobs (their connection is query-only).
    [[nodiscard]] bool writable() const { return writable_; }

    // Runs after the transaction has committed (on the same thread, in queue order across
    // jobs of the same Durability and in registration order within one), only if the job
    // succeeded; for a read job, once its snapshot is released. Deliveries and completions
    // belong here: nothing is announced that might still be rolled back. Every later job of
    // the store waits while these run, so keep them short (post real work to an executor).
    void after_commit(std::function<void()> action) { after_commit_.push_back(std::move(action)); }
    // Runs if the job's work is undone after all: its savepoint rolled back (the job returned
    // an error) or the batch failed to commit. Newest first. For in-memory caches that the
    // job updated ahead of the commit.
    void on_rollback(std::function<void()> undo) { on_rollback_.push_back(std::move(undo)); }

  private:
    friend class Database;
    Transaction(Connection& db, bool writable) : db_(db), writable_(writable) {}

    Connection& db_;
    bool writable_;
    std::vector<std::function<void()>> after_commit_;
    std::vector<std::function<void()>> on_rollback_;
};

// A unit of work. Returns ok to keep its changes; an error rolls them back (writes) and is
// passed to the job's Failed callback. Results are handed over with txn.after_commit().
using Job = std::function<Status(Transaction& txn)>;
// Called once, instead of the after-commit actions, when a job does not succeed. May be empty.
using Failed = std::function<void(Status)>;

class Database {
  public:
    // Opens the file (created if missing) with a writer and a reader connection, applies the
    // PRAGMAs, runs options.migrate and starts the threads. Start-up only: it runs SQLite on the
    // calling thread.
    static Result<std::unique_ptr<Database>> open(Options options);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Queues a job for the writer thread. Thread-safe; never blocks on SQLite (it takes a
    // mutex to push). Over queue_max, or after close(), `failed` runs at once on this thread.
    // Durability::relaxed: the job's work may be lost on a power failure (never on a crash of
    // the process) and redone without harm, e.g. a push's lease or its removal once sent (at
    // least once allows the push again). A batch of relaxed jobs only commits without waiting
    // for the disk (synchronous=NORMAL in WAL mode: the next synced commit makes it durable,
    // in order), so a storm of such bookkeeping adds no fsync for the commits that need one
    // (chat appends) to queue behind. Nor does it add its work to theirs: relaxed jobs commit
    // after the synced jobs taken with them, so a relaxed job may commit after a synced job
    // queued later. Queue order holds among the jobs of each kind.
    enum class Durability : std::uint8_t { synced, relaxed };
    void write(Job job, Failed failed, Durability durability = Durability::synced);
    // Queues a job for the reader thread (a read transaction; writes are refused there).
    void read(Job job, Failed failed);
    // Runs `job` on the writer thread every `interval`, in the batch that is due then
    // (maintenance: trimming, expiry). A failure is logged with `name`. Thread-safe.
    void every(std::chrono::milliseconds interval, std::string name, Job job);

    // Completes every queued job, commits, stops both threads and closes the connections.
    // Blocks. Idempotent. Must not be called from a job or a completion (it would wait for
    // its own thread); jobs queued afterwards fail with UNAVAILABLE "store closed".
    void close();

    [[nodiscard]] const std::string& path() const { return options_.path; }
    [[nodiscard]] bool on_writer_thread() const;
    // Frames in the WAL after the last commit: small once checkpoints keep up (the WAL starts
    // again from its beginning once every frame is in the database file). Any thread.
    [[nodiscard]] int wal_frames() const { return wal_frames_.load(std::memory_order_relaxed); }

  private:
    struct Entry {
        Job job;
        Failed failed;
        Durability durability = Durability::synced;
        // When write() or read() queued it (muster_store_wait_seconds); the writer's own
        // periodic jobs have none.
        std::optional<std::chrono::steady_clock::time_point> queued;
    };
    struct Periodic {
        std::chrono::milliseconds interval;
        std::string name;
        Job job;
        std::chrono::steady_clock::time_point next;
    };
    struct Outcome;

    Database(Options options, std::unique_ptr<Connection> writer,
             std::unique_ptr<Connection> reader, std::unique_ptr<Connection> checkpointer);

    void enqueue(std::deque<Entry>& queue, std::condition_variable& ready, Entry entry);
    void writer_loop();
    void reader_loop();
    // True when there is work; false when closing and drained. Called with mutex_ held.
    bool next_batch(std::unique_lock<std::mutex>& lock, std::vector<Entry>& batch);
    void run_batch(std::vector<Entry>& batch);
    Outcome run_job(Entry& entry);
    void run_read(Entry& entry);
    void checkpoint_loop();
    Status exec_cached(Connection& db, std::string_view sql);

    const Options options_;
    std::unique_ptr<Connection> writer_db_;
    std::unique_ptr<Connection> reader_db_;
    std::unique_ptr<Connection> checkpoint_db_;

    std::mutex mutex_;  // guards everything below
    std::condition_variable write_ready_;
    std::condition_variable read_ready_;
    std::deque<Entry> writes_;
    std::deque<Entry> reads_;
    std::vector<Periodic> periodic_;
    bool closing_ = false;

    std::mutex close_mutex_;  // held for the whole of close(), so a second caller waits
    std::thread writer_;
    std::thread reader_;
    // Checkpoints off the writer: a commit that crosses checkpoint_frames would otherwise
    // copy the WAL into the file and sync it before its own completions run, and every chat
    // message queued behind that commit would wait for it.
    std::thread checkpointer_;
    std::atomic<int> wal_frames_{0};
    // muster_store_wal_frames reads wal_frames_: small while checkpoints keep up, growing
    // without end when they copy nothing. Unregistered before the members it reads go.
    metrics::Registration wal_frames_metric_;
    std::condition_variable checkpoint_wanted_cv_;
    bool checkpoint_wanted_ = false;  // guarded by mutex_
    std::thread::id writer_id_;       // copies taken at start: join() leaves writer_ without an id
    std::thread::id reader_id_;
};

}  // namespace muster::sqlite
