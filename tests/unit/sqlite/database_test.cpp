#include "sqlite/database.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/metrics.hpp"
#include "store/sqlite/sqlite_schema.hpp"
#include "unit/store/store_test_util.hpp"

namespace muster::sqlite {
namespace {

namespace test = store::test;

using test::count_rows;
using test::TempDir;
using test::wait_for;
using test::WriterGate;

std::unique_ptr<Database> open_db(const TempDir& dir, std::uint32_t queue_max = 1000) {
    Options options;
    options.path = dir.file("test.db");
    options.migrate = store::migrate_sqlite_schema;  // the jobs below write Muster's tables
    options.queue_max = queue_max;
    auto db = Database::open(options);
    EXPECT_TRUE(db.ok()) << db.status().message();
    return std::move(db).value();
}

// A job that inserts a user row and records its completion (or failure) in `log`.
struct CompletionLog {
    std::mutex mutex;
    std::vector<std::string> entries;
    std::promise<void> all_done;
    std::size_t expected = 0;

    void add(std::string entry) {
        std::lock_guard lock(mutex);
        entries.push_back(std::move(entry));
        if (entries.size() == expected) all_done.set_value();
    }
};

Job insert_user(const std::string& id, CompletionLog& log, const Status& outcome = ok_status()) {
    return [id, &log, outcome](Transaction& txn) -> Status {
        auto insert = txn.prepare("INSERT INTO users (id, name) VALUES (?1, 'x')");
        if (!insert) return insert.status();
        insert->bind_text(1, id);
        if (auto status = insert->run(); !status) return status;
        txn.after_commit([id, &log] { log.add(id + " ok"); });
        return outcome;
    };
}

Failed record_failure(const std::string& id, CompletionLog& log) {
    return [id, &log](const Status& status) {
        log.add(id + " failed " + std::string(errc_name(status.code())));
    };
}

TEST(SqliteDatabase, failing_job_rolls_back_alone_and_the_batch_commits_once) {
    TempDir dir;
    auto db = open_db(dir);
    auto& batches = metrics::registry().histogram("muster_store_batch_size", "", {});
    CompletionLog log;
    log.expected = 3;
    const auto batches_before = batches.count();
    const double jobs_before = batches.sum();
    {
        WriterGate gate(*db);  // batch 1: the gate alone; A, B and C queue behind it
        db->write(insert_user("a", log), record_failure("a", log));
        db->write(insert_user("b", log, Status(errc::conflict, "no")), record_failure("b", log));
        db->write(insert_user("c", log), record_failure("c", log));
    }
    ASSERT_EQ(log.all_done.get_future().wait_for(test::wait_limit), std::future_status::ready);

    // Completions in queue order; B's insert was undone, A's and C's committed.
    EXPECT_EQ(log.entries, (std::vector<std::string>{"a ok", "b failed CONFLICT", "c ok"}));
    EXPECT_EQ(count_rows(*db, "SELECT count(*) FROM users WHERE id IN ('a', 'c')"), 2);
    EXPECT_EQ(count_rows(*db, "SELECT count(*) FROM users WHERE id = 'b'"), 0);
    // Two commits: the gate's batch of 1, then A, B and C together.
    EXPECT_EQ(batches.count() - batches_before, 2U);
    EXPECT_DOUBLE_EQ(batches.sum() - jobs_before, 4.0);
}

// The connection's synchronous level (1 NORMAL, 2 FULL) as a job of the batch sees it.
Job read_synchronous(std::promise<std::int64_t>& seen) {
    return [&seen](Transaction& txn) -> Status {
        auto level = txn.prepare("PRAGMA synchronous");
        if (!level) return level.status();
        auto row = level->step();
        if (!row) return row.status();
        const std::int64_t value = *row ? level->int64(0) : -1;
        txn.after_commit([&seen, value] { seen.set_value(value); });
        return ok_status();
    };
}

TEST(SqliteDatabase, relaxed_jobs_commit_after_the_synced_ones_beside_them_without_the_sync) {
    TempDir dir;
    auto db = open_db(dir);
    using Durability = Database::Durability;
    auto& batches = metrics::registry().histogram("muster_store_batch_size", "", {});
    std::promise<std::int64_t> relaxed_alone, relaxed_mixed, synced_mixed, synced_after;
    {
        WriterGate gate(*db);  // the next batch: the relaxed job alone
        db->write(read_synchronous(relaxed_alone), {}, Durability::relaxed);
    }
    auto alone = relaxed_alone.get_future();
    ASSERT_EQ(alone.wait_for(test::wait_limit), std::future_status::ready);
    EXPECT_EQ(alone.get(), 1);  // NORMAL: committed without waiting for the disk

    // A relaxed job queued before a synced one: taken together, committed apart, synced first.
    std::mutex order_mutex;
    std::vector<std::string> order;
    auto noting = [&](std::string name, Job job) -> Job {
        return [&, name = std::move(name), job = std::move(job)](Transaction& txn) {
            {
                const std::lock_guard lock(order_mutex);
                order.push_back(name);
            }
            return job(txn);
        };
    };
    const auto batches_before = batches.count();
    const double jobs_before = batches.sum();
    {
        WriterGate gate(*db);
        db->write(noting("relaxed", read_synchronous(relaxed_mixed)), {}, Durability::relaxed);
        db->write(noting("synced", read_synchronous(synced_mixed)), {});
    }
    auto mixed = relaxed_mixed.get_future();
    ASSERT_EQ(mixed.wait_for(test::wait_limit), std::future_status::ready);
    EXPECT_EQ(synced_mixed.get_future().get(), 2);  // FULL: the synced commit waits for the disk
    EXPECT_EQ(mixed.get(), 1);  // and the relaxed job, in a commit of its own, does not
    EXPECT_EQ(order, (std::vector<std::string>{"synced", "relaxed"}));
    // Three commits: the gate's, then the synced job's, then the relaxed job's.
    EXPECT_EQ(batches.count() - batches_before, 3U);
    EXPECT_DOUBLE_EQ(batches.sum() - jobs_before, 3.0);

    // And the level is back for whatever follows a relaxed batch (a chat append).
    db->write(read_synchronous(synced_after), {});
    auto after = synced_after.get_future();
    ASSERT_EQ(after.wait_for(test::wait_limit), std::future_status::ready);
    EXPECT_EQ(after.get(), 2);
}

TEST(SqliteDatabase, the_wal_is_checkpointed_by_its_own_thread_not_by_the_commits) {
    TempDir dir;
    Options options;
    options.path = dir.file("test.db");
    options.migrate = store::migrate_sqlite_schema;
    options.checkpoint_frames = 4;  // a few commits' worth
    auto opened = Database::open(options);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    auto& db = **opened;
    auto insert_user = [&](const std::string& id) {
        return wait_for<Unit>([&](const Done<Unit>& reply) {
            db.write(
                [id, reply](Transaction& txn) -> Status {
                    auto insert = txn.prepare("INSERT INTO users (id, name) VALUES (?1, 'x')");
                    if (!insert) return insert.status();
                    insert->bind_text(1, id);
                    if (auto status = insert->run(); !status) return status;
                    txn.after_commit([reply] { reply(Unit{}); });
                    return ok_status();
                },
                [reply](const Status& status) { reply(status); });
        });
    };
    // Commits, each in a batch of its own, until the WAL is seen to start again from its
    // beginning: the writer's commit over the threshold only asks for a checkpoint, the
    // checkpointer thread copies every frame into the file, and the next commit then rewinds
    // the WAL. A checkpoint that copies nothing (a connection that has never read the file
    // does not know it is in WAL mode) leaves the WAL growing for ever.
    // Awaited: the checkpointer runs when it gets the CPU, however late that is.
    const auto deadline = std::chrono::steady_clock::now() + test::wait_limit;
    int commits = 0;
    int peak = 0;
    bool rewound = false;
    // Bounded: a WAL that never rewinds fails the test at 10,000 commits, not gigabytes later.
    while (!rewound && commits < 10000 && std::chrono::steady_clock::now() < deadline) {
        auto done = insert_user("u" + std::to_string(commits++));
        ASSERT_TRUE(done.ok()) << done.status().message();
        const int frames = db.wal_frames();
        rewound = frames < peak;
        peak = std::max(peak, frames);
    }
    EXPECT_TRUE(rewound) << "the WAL grew to " << peak << " frames over " << commits
                         << " commits and never started again: nothing was checkpointed";
    EXPECT_GE(peak, static_cast<int>(options.checkpoint_frames)) << "the threshold was crossed";
    EXPECT_EQ(count_rows(db, "SELECT count(*) FROM users"), commits);
}

TEST(SqliteDatabase, failed_commit_fails_every_job_of_the_batch_and_runs_their_undo) {
    TempDir dir;
    auto db = open_db(dir);
    CompletionLog log;
    log.expected = 2;
    std::atomic<int> undone{0};
    {
        WriterGate gate(*db);
        db->write(
            [&](Transaction& txn) -> Status {
                txn.on_rollback([&] { ++undone; });
                return insert_user("a", log)(txn);
            },
            record_failure("a", log));
        // A foreign key violation deferred to COMMIT: the savepoint releases fine, the
        // commit of the whole batch fails.
        db->write(
            [](Transaction& txn) -> Status {
                if (auto s = txn.db().exec("PRAGMA defer_foreign_keys = ON"); !s) return s;
                return txn.db().exec(
                    "INSERT INTO members (group_id, user_id, role) VALUES ('nope', 'u', 'member')");
            },
            record_failure("fk", log));
    }
    ASSERT_EQ(log.all_done.get_future().wait_for(test::wait_limit), std::future_status::ready);
    EXPECT_EQ(log.entries,
              (std::vector<std::string>{"a failed UNAVAILABLE", "fk failed UNAVAILABLE"}));
    EXPECT_EQ(undone.load(), 1);
    EXPECT_EQ(count_rows(*db, "SELECT count(*) FROM users"), 0);

    // The database works on: the next batch commits.
    CompletionLog next;
    next.expected = 1;
    db->write(insert_user("b", next), record_failure("b", next));
    ASSERT_EQ(next.all_done.get_future().wait_for(test::wait_limit), std::future_status::ready);
    EXPECT_EQ(next.entries, (std::vector<std::string>{"b ok"}));
}

// muster_store_wait_seconds: a job's time in its queue, by queue. The writer is held while a
// synced and a relaxed job queue behind it, and a read runs meanwhile; each write's wait
// covers at least the time from its queueing to the writer's release.
TEST(SqliteDatabase, jobs_waiting_behind_the_writer_report_their_wait_by_queue) {
    using steady = std::chrono::steady_clock;
    using Durability = Database::Durability;
    TempDir dir;
    auto db = open_db(dir);
    auto histogram = [](const char* queue) -> metrics::Histogram& {
        return metrics::registry().histogram("muster_store_wait_seconds", "", {},
                                             std::string("queue=\"") + queue + "\"");
    };
    auto& synced = histogram("write_synced");
    auto& relaxed = histogram("write_relaxed");
    auto& reads = histogram("read");
    const auto synced_before = synced.count();
    const auto relaxed_before = relaxed.count();
    const auto reads_before = reads.count();
    const double synced_sum = synced.sum();
    const double relaxed_sum = relaxed.sum();

    std::promise<void> synced_done;
    std::promise<void> relaxed_done;
    steady::time_point queued;
    steady::time_point released;
    {
        WriterGate gate(*db);  // waited for once the writer runs it: counted as a synced write
        db->write(
            [&](Transaction& txn) {
                txn.after_commit([&] { synced_done.set_value(); });
                return ok_status();
            },
            {}, Durability::synced);
        db->write(
            [&](Transaction& txn) {
                txn.after_commit([&] { relaxed_done.set_value(); });
                return ok_status();
            },
            {}, Durability::relaxed);
        queued = steady::now();
        EXPECT_EQ(count_rows(*db, "SELECT count(*) FROM users"), 0);  // the reader is free
        released = steady::now();
    }
    ASSERT_EQ(synced_done.get_future().wait_for(test::wait_limit), std::future_status::ready);
    ASSERT_EQ(relaxed_done.get_future().wait_for(test::wait_limit), std::future_status::ready);

    EXPECT_EQ(synced.count() - synced_before, 2U);  // the gate's job, then the synced one
    EXPECT_EQ(relaxed.count() - relaxed_before, 1U);
    EXPECT_GE(reads.count() - reads_before, 1U);
    const double held = std::chrono::duration<double>(released - queued).count();
    const double rounding = 2e-6;  // the sums are kept in microseconds
    EXPECT_GE(synced.sum() - synced_sum, held - rounding);
    EXPECT_GE(relaxed.sum() - relaxed_sum, held - rounding);
}

TEST(SqliteDatabase, full_write_queue_refuses_at_once_with_unavailable) {
    TempDir dir;
    auto db = open_db(dir, /*queue_max=*/4);
    std::atomic<int> failures{0};
    {
        WriterGate gate(*db);  // the writer holds the gate; the queue itself is empty
        for (int i = 0; i < 4; ++i) {
            db->write([](Transaction&) { return ok_status(); }, [&](const Status&) { ++failures; });
        }
        EXPECT_EQ(failures.load(), 0);
        Status refused;
        bool called = false;
        db->write([](Transaction&) { return ok_status(); },
                  [&](Status status) {
                      called = true;
                      refused = std::move(status);
                  });
        ASSERT_TRUE(called) << "the refusal must come before write() returns";
        EXPECT_EQ(refused.code(), errc::unavailable);
        EXPECT_EQ(refused.message(), "store queue full");
    }
    db->close();
    EXPECT_EQ(failures.load(), 0);  // the four accepted jobs ran
}

TEST(SqliteDatabase, close_completes_queued_work_then_refuses_new_jobs) {
    TempDir dir;
    auto db = open_db(dir);
    std::atomic<int> committed{0};
    for (int i = 0; i < 200; ++i) {
        db->write(
            [&committed, i](Transaction& txn) -> Status {
                auto insert = txn.prepare("INSERT INTO users (id) VALUES (?1)");
                if (!insert) return insert.status();
                insert->bind_text(1, "u" + std::to_string(i));
                if (auto status = insert->run(); !status) return status;
                txn.after_commit([&committed] { ++committed; });
                return ok_status();
            },
            {});
    }
    db->close();
    EXPECT_EQ(committed.load(), 200);

    Status write_refusal;
    db->write([](Transaction&) { return ok_status(); },
              [&](Status s) { write_refusal = std::move(s); });
    EXPECT_EQ(write_refusal.code(), errc::unavailable);
    EXPECT_EQ(write_refusal.message(), "store closed");
    Status read_refusal;
    db->read([](Transaction&) { return ok_status(); },
             [&](Status s) { read_refusal = std::move(s); });
    EXPECT_EQ(read_refusal.code(), errc::unavailable);

    // Committed means on disk: a new database on the file sees every row.
    db.reset();
    auto reopened = open_db(dir);
    EXPECT_EQ(count_rows(*reopened, "SELECT count(*) FROM users"), 200);
}

TEST(SqliteDatabase, reads_run_in_a_read_only_transaction) {
    TempDir dir;
    auto db = open_db(dir);
    auto result = wait_for<Unit>([&](const Done<Unit>& done) {
        db->read(
            [](Transaction& txn) { return txn.db().exec("INSERT INTO users (id) VALUES ('x')"); },
            [done](Status s) { done(std::move(s)); });
    });
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(count_rows(*db, "SELECT count(*) FROM users"), 0);
}

TEST(SqliteDatabase, periodic_job_runs_on_the_writer_thread_again_and_again) {
    TempDir dir;
    auto db = open_db(dir);
    std::promise<void> twice;
    int runs = 0;  // writer thread only
    bool on_writer = true;
    db->every(std::chrono::milliseconds(5), "test tick", [&](Transaction& txn) -> Status {
        on_writer = on_writer && db->on_writer_thread() && txn.writable();
        if (++runs == 2) twice.set_value();
        return ok_status();
    });
    ASSERT_EQ(twice.get_future().wait_for(test::wait_limit), std::future_status::ready);
    db->close();
    EXPECT_TRUE(on_writer);
}

TEST(SqliteDatabase, refuses_a_file_with_a_newer_schema) {
    TempDir dir;
    {
        auto conn = Connection::open(dir.file("test.db"), Connection::Mode::read_write);
        ASSERT_TRUE(conn.ok());
        ASSERT_TRUE((*conn)->exec("PRAGMA user_version = 99").ok());
    }
    Options options;
    options.path = dir.file("test.db");
    options.migrate = store::migrate_sqlite_schema;
    auto db = Database::open(options);
    ASSERT_FALSE(db.ok());
    EXPECT_NE(db.status().message().find("newer"), std::string::npos) << db.status().message();
}

TEST(SqliteDatabase, schema_version_is_recorded_in_user_version) {
    TempDir dir;
    open_db(dir)->close();
    auto conn = Connection::open(dir.file("test.db"), Connection::Mode::read_only);
    ASSERT_TRUE(conn.ok());
    auto version = (*conn)->prepare("PRAGMA user_version");
    ASSERT_TRUE(version.ok());
    ASSERT_TRUE(version->step().ok());
    EXPECT_EQ(version->int64(0), store::sqlite_schema_version());
    EXPECT_GE(store::sqlite_schema_version(), 1);
}

// The driver knows no schema: without a migration it neither creates tables nor stamps a
// version, and a failing migration fails open() with its own status.
TEST(SqliteDatabase, applies_only_the_migration_it_is_given) {
    TempDir dir;
    Options options;
    options.path = dir.file("plain.db");
    auto plain = Database::open(options);
    ASSERT_TRUE(plain.ok()) << plain.status().message();
    (*plain)->close();
    auto conn = Connection::open(dir.file("plain.db"), Connection::Mode::read_only);
    ASSERT_TRUE(conn.ok());
    auto tables = (*conn)->prepare("SELECT count(*) FROM sqlite_master");
    ASSERT_TRUE(tables.ok());
    ASSERT_TRUE(tables->step().ok());
    EXPECT_EQ(tables->int64(0), 0);
    auto version = (*conn)->prepare("PRAGMA user_version");
    ASSERT_TRUE(version.ok());
    ASSERT_TRUE(version->step().ok());
    EXPECT_EQ(version->int64(0), 0);

    options.path = dir.file("failing.db");
    options.migrate = [](Connection&) { return Status(errc::internal, "migration refused"); };
    auto failing = Database::open(options);
    ASSERT_FALSE(failing.ok());
    EXPECT_EQ(failing.status().message(), "migration refused");
}

}  // namespace
}  // namespace muster::sqlite
