#include "sqlite/database.hpp"

#include <algorithm>
#include <utility>

#include "core/async.hpp"
#include "core/log.hpp"
#include "core/thread_name.hpp"
#include "sqlite/jobs.hpp"

namespace muster::sqlite {
namespace {

using steady = std::chrono::steady_clock;

// Sets WAL mode (a no-op when the file is in it already) and checks that SQLite took it.
Status require_wal(Connection& db, const std::string& path) {
    auto wal = db.prepare("PRAGMA journal_mode=WAL");
    if (!wal) return wal.status();
    auto row = wal->step();
    if (!row) return row.status();
    const std::string mode = *row ? wal->text(0) : "";
    if (mode != "wal") {
        return Status(errc::unavailable,
                      "cannot use WAL journal mode for " + path + " (got '" + mode + "')");
    }
    return ok_status();
}

}  // namespace

Result<Options> Options::from(const std::string& path, const StoreConfig& config) {
    Options options;
    options.path = path;
    if (config.synchronous == "full") {
        options.synchronous_full = true;
    } else if (config.synchronous == "normal") {
        options.synchronous_full = false;
    } else {
        return Status(errc::invalid_argument,
                      "store.synchronous must be full or normal, not '" + config.synchronous + "'");
    }
    options.max_batch = std::max<std::uint32_t>(config.max_batch, 1);
    options.queue_max = std::max<std::uint32_t>(config.queue_max, 1);
    options.checkpoint_frames = config.checkpoint_frames;
    return options;
}

Result<std::unique_ptr<Database>> Database::open(Options options) {
    const std::string common =
        "PRAGMA busy_timeout=" + std::to_string(options.busy_timeout.count()) +
        ";PRAGMA foreign_keys=ON;";

    auto writer = Connection::open(options.path, Connection::Mode::read_write);
    if (!writer) return writer.status();
    // WAL is a property of the file; checked, because without it every read would wait for the
    // writer's transaction (and fail on some file systems that lack shared memory).
    if (auto status = require_wal(**writer, options.path); !status) return status;
    const char* synchronous = options.synchronous_full ? "FULL" : "NORMAL";
    if (auto status = (*writer)->exec(common + "PRAGMA synchronous=" + synchronous + ";");
        !status) {
        return status;
    }
    if (options.migrate) {
        if (auto status = options.migrate(**writer); !status) return status;
    }

    auto reader = Connection::open(options.path, Connection::Mode::read_write);
    if (!reader) return reader.status();
    // query_only: the reader thread is for reads; a write there would race the writer's cache.
    if (auto status = (*reader)->exec(common + "PRAGMA query_only=ON;"); !status) return status;

    auto checkpointer = Connection::open(options.path, Connection::Mode::read_write);
    if (!checkpointer) return checkpointer.status();
    if (auto status = (*checkpointer)->exec(common); !status) return status;
    // Read once so that this connection knows the file is in WAL mode: a connection that has
    // never read it checkpoints nothing (and says so only with -1 frames).
    if (auto status = require_wal(**checkpointer, options.path); !status) return status;

    MUSTER_LOG_INFO("store") << "opened " << options.path << " (WAL, synchronous=" << synchronous
                             << ")";
    return std::unique_ptr<Database>(new Database(std::move(options), std::move(writer).value(),
                                                  std::move(reader).value(),
                                                  std::move(checkpointer).value()));
}

Database::Database(Options options, std::unique_ptr<Connection> writer,
                   std::unique_ptr<Connection> reader, std::unique_ptr<Connection> checkpointer)
    : options_(std::move(options))
    , writer_db_(std::move(writer))
    , reader_db_(std::move(reader))
    , checkpoint_db_(std::move(checkpointer)) {
    register_store_metrics();  // listed by /metrics (at 0) before the first write
    wal_frames_metric_ = metrics::registry().gauge_fn(
        "muster_store_wal_frames", "Frames in the SQLite WAL after the last commit",
        [this] { return static_cast<double>(wal_frames()); });
    // On the writer thread, inside its commit: a flag and a wake-up, nothing that waits.
    writer_db_->on_wal_commit([this](int frames) {
        wal_frames_.store(frames, std::memory_order_relaxed);
        if (frames < static_cast<int>(options_.checkpoint_frames)) return;
        {
            std::lock_guard lock(mutex_);
            checkpoint_wanted_ = true;
        }
        checkpoint_wanted_cv_.notify_one();
    });
    checkpointer_ = std::thread([this] {
        const NonBlockingThread mark("SQLite checkpointer");
        name_this_thread("sqlite ckpt");
        checkpoint_loop();
    });
    writer_ = std::thread([this] {
        const NonBlockingThread mark("SQLite writer");
        name_this_thread("sqlite writer");
        writer_loop();
    });
    reader_ = std::thread([this] {
        const NonBlockingThread mark("SQLite reader");
        name_this_thread("sqlite reader");
        reader_loop();
    });
    writer_id_ = writer_.get_id();
    reader_id_ = reader_.get_id();
}

Database::~Database() {
    close();
}

bool Database::on_writer_thread() const {
    return std::this_thread::get_id() == writer_id_;
}

void Database::write(Job job, Failed failed, Durability durability) {
    enqueue(writes_, write_ready_, Entry{std::move(job), std::move(failed), durability});
}

void Database::read(Job job, Failed failed) {
    enqueue(reads_, read_ready_, Entry{std::move(job), std::move(failed)});
}

void Database::enqueue(std::deque<Entry>& queue, std::condition_variable& ready, Entry entry) {
    entry.queued = std::chrono::steady_clock::now();
    const char* refused = nullptr;
    {
        std::unique_lock lock(mutex_);
        if (!closing_ && queue.size() < options_.queue_max) {
            queue.push_back(std::move(entry));
            store_queued_jobs().fetch_add(1, std::memory_order_relaxed);
            lock.unlock();
            ready.notify_one();
            return;
        }
        refused = closing_ ? "store closed" : "store queue full";
    }
    if (entry.failed) entry.failed(Status(errc::unavailable, refused));
}

void Database::every(std::chrono::milliseconds interval, std::string name, Job job) {
    if (interval.count() <= 0) return;
    {
        std::lock_guard lock(mutex_);
        periodic_.push_back(
            Periodic{interval, std::move(name), std::move(job), steady::now() + interval});
    }
    write_ready_.notify_one();
}

void Database::close() {
    if (std::this_thread::get_id() == writer_id_ || std::this_thread::get_id() == reader_id_) {
        // Joining our own thread would deadlock; the owner closes at shutdown anyway.
        MUSTER_LOG_ERROR("store") << "Database::close() called from a store thread: ignored";
        return;
    }
    std::lock_guard serial(close_mutex_);
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
    }
    write_ready_.notify_all();
    read_ready_.notify_all();
    if (writer_.joinable()) writer_.join();
    if (reader_.joinable()) reader_.join();
    checkpoint_wanted_cv_.notify_all();
    if (checkpointer_.joinable()) checkpointer_.join();
    if (writer_db_ != nullptr) {
        // The last connection to close checkpoints the WAL into the database file.
        checkpoint_db_.reset();
        reader_db_.reset();
        writer_db_.reset();
        MUSTER_LOG_INFO("store") << "closed " << options_.path;
    }
}

// ---- the checkpointer ------------------------------------------------------------------------

void Database::checkpoint_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        checkpoint_wanted_cv_.wait(lock, [this] { return checkpoint_wanted_ || closing_; });
        if (closing_) return;  // the last connection to close checkpoints what is left
        checkpoint_wanted_ = false;
        lock.unlock();
        if (auto progress = checkpoint_db_->checkpoint_passive(); !progress) {
            MUSTER_LOG_WARN("store") << "WAL checkpoint: " << progress.status().message();
        } else {
            wal_checkpoints().inc();
        }
        lock.lock();
    }
}

// ---- the reader ------------------------------------------------------------------------------

void Database::reader_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        read_ready_.wait(lock, [this] { return !reads_.empty() || closing_; });
        if (reads_.empty()) return;  // closing, and every read is done
        {
            Entry entry = std::move(reads_.front());
            reads_.pop_front();
            store_queued_jobs().fetch_sub(1, std::memory_order_relaxed);
            lock.unlock();
            if (entry.queued)
                observe_wait(WaitQueue::read, *entry.queued, std::chrono::steady_clock::now());
            run_read(entry);
        }  // the job's captures die here, outside the lock
        lock.lock();
    }
}

void Database::run_read(Entry& entry) {
    Connection& db = *reader_db_;
    Transaction txn(db, false);
    Status status = exec_cached(db, "BEGIN");
    if (status.ok()) {
        status = run_job_guarded(entry.job, txn);
        // A read transaction keeps nothing: COMMIT only lets go of the snapshot.
        if (auto end = exec_cached(db, "COMMIT"); !end && db.in_transaction()) {
            // Nothing was written: a failed ROLLBACK of a read loses nothing either.
            (void)exec_cached(db, "ROLLBACK");
        }
    } else {
        status = Status(errc::unavailable, "store cannot read: " + status.message());
    }
    if (status.ok()) {
        for (auto& action : txn.after_commit_) run_guarded(action);
    } else if (entry.failed) {
        run_guarded([&] { entry.failed(std::move(status)); });
    }
}

}  // namespace muster::sqlite
