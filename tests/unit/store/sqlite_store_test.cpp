#include "store/sqlite/sqlite_store.hpp"

#include <filesystem>
#include <fstream>
#include <future>
#include <stdexcept>

#include <gtest/gtest.h>

#include "bus/local_bus.hpp"
#include "unit/store/store_test_util.hpp"

namespace muster::store {
namespace {

using test::wait_for;

TEST(SqliteStore, creates_the_data_directory_and_answers_ping) {
    test::TempDir dir;
    Config config;
    config.server.data_dir = dir.path() + "/nested/data";
    bus::LocalBus bus;
    SystemClock clock;
    SqliteStore store(config, bus, clock);
    EXPECT_TRUE(std::filesystem::exists(dir.path() + "/nested/data/muster.db"));
    EXPECT_TRUE(wait_for<Unit>([&](const Done<Unit>& d) { store.ping(d); }).ok());

    store.close();
    store.close();  // idempotent
    Status after_close;
    store.ping([&](const Result<Unit>& r) { after_close = r.status(); });
    EXPECT_EQ(after_close.code(), errc::unavailable);
}

TEST(SqliteStore, explicit_sqlite_path_wins_over_the_data_directory) {
    test::TempDir dir;
    Config config;
    config.server.data_dir = dir.path() + "/unused";
    config.store.sqlite_path = dir.file("custom.db");
    bus::LocalBus bus;
    SystemClock clock;
    SqliteStore store(config, bus, clock);
    EXPECT_TRUE(std::filesystem::exists(dir.file("custom.db")));
    EXPECT_FALSE(std::filesystem::exists(dir.path() + "/unused"));
}

TEST(SqliteStore, unusable_path_or_setting_throws_at_start_up) {
    test::TempDir dir;
    std::ofstream(dir.file("a-file")) << "not a directory";
    bus::LocalBus bus;
    SystemClock clock;

    Config under_a_file;
    under_a_file.server.data_dir = dir.file("a-file") + "/data";
    EXPECT_THROW(SqliteStore(under_a_file, bus, clock), std::runtime_error);

    Config not_a_database;
    not_a_database.store.sqlite_path = dir.file("a-file");
    EXPECT_THROW(SqliteStore(not_a_database, bus, clock), std::runtime_error);

    Config bad_sync;
    bad_sync.server.data_dir = dir.path();
    bad_sync.store.synchronous = "sometimes";
    EXPECT_THROW(SqliteStore(bad_sync, bus, clock), std::runtime_error);
}

TEST(SqliteStore, periodic_retention_runs_without_being_asked) {
    test::TempDir dir;
    Config config;
    config.server.data_dir = dir.path();
    config.log.retention_events = 1;
    config.store.trim_interval_s = 1;
    bus::LocalBus bus;
    ManualClock clock{1'700'000'000'000};
    SqliteStore store(config, bus, clock);
    ASSERT_TRUE(wait_for<Unit>([&](const Done<Unit>& d) {
                    store.directory().put_group({"g", "", ""}, d);
                }).ok());
    for (int i = 0; i < 3; ++i) {
        AppendRequest request = test::chat("g", "m");
        ASSERT_TRUE(wait_for<Appended>([&](const Done<Appended>& d) {
                        store.log().append(request, d);
                    }).ok());
    }
    // Watch the log from the writer thread, every few milliseconds: each look runs in a batch
    // of its own, after whatever committed before it. Nothing sleeps here.
    std::promise<void> trimmed;
    bool seen = false;  // writer thread only
    store.database().every(
        std::chrono::milliseconds(5), "test watch", [&](sqlite::Transaction& txn) -> Status {
            auto oldest = txn.prepare("SELECT min(seq) FROM events WHERE group_id = 'g'");
            if (!oldest) return oldest.status();
            if (auto row = oldest->step(); !row) return row.status();
            if (oldest->seq(0) == 3 && !seen) {
                seen = true;
                txn.after_commit([&] { trimmed.set_value(); });
            }
            return ok_status();
        });
    EXPECT_EQ(trimmed.get_future().wait_for(test::wait_limit), std::future_status::ready);
    store.close();
}

}  // namespace
}  // namespace muster::store
