#include "store/sqlite/sqlite_event_log.hpp"

#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "bus/local_bus.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "unit/store/store_test_util.hpp"

namespace muster::store {
namespace {

using test::chat;
using test::iota_seqs;
using test::parse_event;
using test::seqs_of;
using test::wait_for;
using test::WriterGate;

constexpr std::int64_t start_ms = 1'700'000'000'000;

class SqliteEventLogTest : public ::testing::Test {
  protected:
    void SetUp() override {
        bus_.set_handler(&handler_);
        config_.server.data_dir = dir_.path();
        config_.store.trim_interval_s = 0;  // retention only when a test asks for it
        open();
    }

    void open() { store_ = std::make_unique<SqliteStore>(config_, bus_, clock_); }
    // Closes and opens a new store on the same file (picks up changes to config_).
    void reopen() {
        store_->close();
        store_.reset();
        open();
    }

    sqlite::Database& db() { return store_->database(); }
    SqliteEventLog& log() { return store_->sqlite_log(); }

    void put_group(const std::string& id) {
        auto done = wait_for<Unit>([&](const Done<Unit>& d) {
            store_->directory().put_group(GroupInfo{id, id, ""}, d);
        });
        ASSERT_TRUE(done.ok()) << done.status().message();
    }
    Result<Appended> append(AppendRequest request) {
        return wait_for<Appended>(
            [&](const Done<Appended>& d) { log().append(std::move(request), d); });
    }
    std::uint64_t append_seq(AppendRequest request) {
        auto appended = append(std::move(request));
        EXPECT_TRUE(appended.ok()) << appended.status().message();
        return appended.ok() ? appended->seq : 0;
    }
    Result<LogRange> after(const std::string& group, std::uint64_t seq, std::uint32_t limit) {
        return wait_for<LogRange>(
            [&](const Done<LogRange>& d) { log().read_after(group, seq, limit, d); });
    }
    Result<LogRange> before(const std::string& group, std::uint64_t seq, std::uint32_t limit) {
        return wait_for<LogRange>(
            [&](const Done<LogRange>& d) { log().read_before(group, seq, limit, d); });
    }
    void trim() {
        auto done = wait_for<Unit>([&](const Done<Unit>& d) { log().trim_now(d); });
        ASSERT_TRUE(done.ok()) << done.status().message();
    }
    std::vector<std::string> texts(const std::string& group) {
        auto range = after(group, 0, 1000);
        std::vector<std::string> out;
        if (range.ok()) {
            for (const auto& bytes : range->events) out.push_back(parse_event(bytes).chat().text());
        }
        return out;
    }

    test::TempDir dir_;
    ManualClock clock_{start_ms};
    test::RecordingHandler handler_;
    bus::LocalBus bus_;
    Config config_;
    std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteEventLogTest, concurrent_appends_get_gapless_seqs_delivered_in_order_before_done) {
    const std::vector<std::string> groups = {"g1", "g2", "g3"};
    for (const auto& g : groups) put_group(g);
    constexpr int threads = 4;
    constexpr int per_thread_and_group = 150;
    constexpr std::size_t total = threads * per_thread_and_group * 3;
    constexpr std::uint64_t per_group = threads * per_thread_and_group;

    std::mutex mutex;
    std::map<std::string, std::vector<std::uint64_t>> acked;  // in completion order
    std::size_t completed = 0;
    int failures = 0;
    int acked_before_delivery = 0;
    int wrong_bytes = 0;
    std::promise<void> all_done;

    std::vector<std::thread> workers;
    workers.reserve(threads);
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < per_thread_and_group; ++i) {
                for (const auto& g : groups) {
                    log().append(chat(g, "t" + std::to_string(t) + "-" + std::to_string(i)),
                                 [&, g](Result<Appended> r) {
                                     std::lock_guard lock(mutex);
                                     if (!r.ok()) {
                                         ++failures;
                                     } else {
                                         acked[g].push_back(r->seq);
                                         if (handler_.last_seq(g) < r->seq) ++acked_before_delivery;
                                         muster::v1::Event event;
                                         if (!event.ParseFromString(*r->event) ||
                                             event.seq() != r->seq || event.group() != g) {
                                             ++wrong_bytes;
                                         }
                                     }
                                     if (++completed == total) all_done.set_value();
                                 });
                }
            }
        });
    }
    for (auto& w : workers) w.join();
    ASSERT_EQ(all_done.get_future().wait_for(test::wait_limit), std::future_status::ready);

    std::lock_guard lock(mutex);
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(acked_before_delivery, 0) << "a publisher heard back before its event was delivered";
    EXPECT_EQ(wrong_bytes, 0);
    for (const auto& g : groups) {
        EXPECT_EQ(acked[g], iota_seqs(1, per_group)) << g << ": acks not gapless and in order";
        EXPECT_EQ(handler_.seqs(g), iota_seqs(1, per_group)) << g << ": deliveries out of order";
        for (const auto& d : handler_.of(g)) EXPECT_EQ(parse_event(d.event).seq(), d.seq);
        auto range = after(g, 0, 10000);
        ASSERT_TRUE(range.ok());
        EXPECT_EQ(seqs_of(*range), iota_seqs(1, per_group));
        EXPECT_EQ(range->latest_seq, per_group);
    }
}

TEST_F(SqliteEventLogTest, stored_event_carries_its_seq_and_the_log_time) {
    put_group("g");
    auto appended = append(chat("g", "hello"));
    ASSERT_TRUE(appended.ok()) << appended.status().message();
    EXPECT_EQ(appended->seq, 1U);
    EXPECT_FALSE(appended->duplicate);
    const auto event = parse_event(appended->event);
    EXPECT_EQ(event.seq(), 1U);
    EXPECT_EQ(event.time_ms(), start_ms);
    EXPECT_EQ(event.chat().text(), "hello");

    auto range = after("g", 0, 10);
    ASSERT_TRUE(range.ok());
    ASSERT_EQ(range->events.size(), 1U);
    EXPECT_EQ(*range->events[0], *appended->event);
    ASSERT_EQ(handler_.of("g").size(), 1U);
    EXPECT_EQ(handler_.of("g")[0].event, appended->event);  // the very same bytes
}

TEST_F(SqliteEventLogTest, repeated_idempotency_key_returns_the_original_seq_and_stores_nothing) {
    config_.log.idempotency_ttl_s = 60;
    reopen();
    put_group("g");
    EXPECT_EQ(append_seq(chat("g", "hello", "u1", "k1")), 1U);

    auto again = append(chat("g", "hello, resent", "u1", "k1"));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->seq, 1U);
    EXPECT_TRUE(again->duplicate);
    EXPECT_EQ(again->event, nullptr);

    EXPECT_EQ(append_seq(chat("g", "same key, other user", "u2", "k1")), 2U);
    EXPECT_EQ(texts("g"), (std::vector<std::string>{"hello", "same key, other user"}));
    EXPECT_EQ(handler_.seqs("g"), (std::vector<std::uint64_t>{1, 2}));

    // Past the TTL the key is forgotten: the same key appends anew.
    clock_.advance(61'000);
    EXPECT_EQ(append_seq(chat("g", "hello, much later", "u1", "k1")), 3U);
    // u1's key was renewed, u2's has expired; maintenance deletes the expired one.
    EXPECT_EQ(test::count_rows(db(), "SELECT count(*) FROM idempotency"), 2);
    trim();
    EXPECT_EQ(test::count_rows(db(), "SELECT count(*) FROM idempotency"), 1);
}

TEST_F(SqliteEventLogTest, duplicate_within_one_batch_is_caught) {
    put_group("g");
    std::promise<Result<Appended>> first;
    std::promise<Result<Appended>> second;
    {
        WriterGate gate(db());
        log().append(chat("g", "a", "u1", "k"),
                     [&](Result<Appended> r) { first.set_value(std::move(r)); });
        log().append(chat("g", "a", "u1", "k"),
                     [&](Result<Appended> r) { second.set_value(std::move(r)); });
    }
    auto a = first.get_future().get();
    auto b = second.get_future().get();
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->seq, 1U);
    EXPECT_FALSE(a->duplicate);
    EXPECT_EQ(b->seq, 1U);
    EXPECT_TRUE(b->duplicate);
    EXPECT_EQ(handler_.seqs("g"), (std::vector<std::uint64_t>{1}));
}

TEST_F(SqliteEventLogTest, unknown_group_is_not_found) {
    auto appended = append(chat("nope", "hello"));
    ASSERT_FALSE(appended.ok());
    EXPECT_EQ(appended.status().code(), errc::not_found);
    EXPECT_EQ(appended.status().message(), "no such group: nope");
    EXPECT_EQ(after("nope", 0, 10).status().code(), errc::not_found);
    EXPECT_EQ(before("nope", newest, 10).status().code(), errc::not_found);
    EXPECT_TRUE(handler_.of("nope").empty());
}

TEST_F(SqliteEventLogTest, group_created_in_the_same_batch_accepts_appends) {
    std::promise<Result<Unit>> created;
    std::promise<Result<Appended>> appended;
    {
        WriterGate gate(db());
        store_->directory().put_group({"fresh", "", ""},
                                      [&](Result<Unit> r) { created.set_value(std::move(r)); });
        log().append(chat("fresh", "first"),
                     [&](Result<Appended> r) { appended.set_value(std::move(r)); });
    }
    EXPECT_TRUE(created.get_future().get().ok());
    auto result = appended.get_future().get();
    ASSERT_TRUE(result.ok()) << result.status().message();
    EXPECT_EQ(result->seq, 1U);
}

TEST_F(SqliteEventLogTest, pages_forward_and_backward_with_oldest_and_latest) {
    put_group("g");
    put_group("empty");
    std::vector<SharedBytes> stored;
    for (int i = 1; i <= 10; ++i) {
        auto appended = append(chat("g", "m" + std::to_string(i)));
        ASSERT_TRUE(appended.ok());
        stored.push_back(appended->event);
    }
    auto page = [&](bool forward, std::uint64_t bound, std::uint32_t limit) {
        auto range = forward ? after("g", bound, limit) : before("g", bound, limit);
        EXPECT_TRUE(range.ok());
        EXPECT_EQ(range->oldest_seq, 1U);
        EXPECT_EQ(range->latest_seq, 10U);
        return seqs_of(*range);
    };
    using seqs = std::vector<std::uint64_t>;
    EXPECT_EQ(page(true, 0, 3), (seqs{1, 2, 3}));
    EXPECT_EQ(page(true, 3, 3), (seqs{4, 5, 6}));
    EXPECT_EQ(page(true, 9, 3), (seqs{10}));
    EXPECT_EQ(page(true, 10, 3), seqs{});
    EXPECT_EQ(page(true, newest, 3), seqs{});
    EXPECT_EQ(page(false, newest, 3), (seqs{8, 9, 10}));
    EXPECT_EQ(page(false, 8, 3), (seqs{5, 6, 7}));
    EXPECT_EQ(page(false, 2, 3), (seqs{1}));
    EXPECT_EQ(page(false, 1, 3), seqs{});
    EXPECT_EQ(page(true, 0, 0), seqs{});

    auto all = after("g", 0, 100);
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->events.size(), stored.size());
    for (std::size_t i = 0; i < stored.size(); ++i) EXPECT_EQ(*all->events[i], *stored[i]);

    auto empty = before("empty", newest, 10);
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->events.empty());
    EXPECT_EQ(empty->oldest_seq, 1U);
    EXPECT_EQ(empty->latest_seq, 0U);
}

TEST_F(SqliteEventLogTest, retention_by_count_keeps_the_newest_and_moves_oldest_seq) {
    config_.log.retention_events = 5;
    reopen();
    put_group("g");
    put_group("small");
    for (int i = 1; i <= 12; ++i) append_seq(chat("g", "m" + std::to_string(i)));
    append_seq(chat("small", "only"));
    // Appends trim by count as the log grows (every append for a retention this small)...
    EXPECT_EQ(after("g", 0, 0)->oldest_seq, 8U);

    // ...and the periodic trim agrees with them.
    trim();
    auto range = after("g", 0, 100);
    ASSERT_TRUE(range.ok());
    EXPECT_EQ(seqs_of(*range), iota_seqs(8, 12));
    EXPECT_EQ(range->oldest_seq, 8U);
    EXPECT_EQ(range->latest_seq, 12U);
    EXPECT_EQ(seqs_of(*before("g", newest, 100)), iota_seqs(8, 12));
    EXPECT_EQ(seqs_of(*after("g", 2, 2)), (std::vector<std::uint64_t>{8, 9}));
    EXPECT_EQ(seqs_of(*after("small", 0, 100)), (std::vector<std::uint64_t>{1}));

    // Trimming never moves the sequence back.
    EXPECT_EQ(append_seq(chat("g", "m13")), 13U);
    trim();
    EXPECT_EQ(after("g", 0, 0)->oldest_seq, 9U);
}

TEST_F(SqliteEventLogTest, retention_by_age_drops_old_events_and_may_empty_the_log) {
    config_.log.retention_age_s = 60;
    reopen();
    put_group("g");
    for (int i = 1; i <= 3; ++i) append_seq(chat("g", "old"));
    clock_.advance(61'000);
    for (int i = 4; i <= 5; ++i) append_seq(chat("g", "new"));

    trim();
    auto range = after("g", 0, 100);
    ASSERT_TRUE(range.ok());
    EXPECT_EQ(seqs_of(*range), (std::vector<std::uint64_t>{4, 5}));
    EXPECT_EQ(range->oldest_seq, 4U);

    clock_.advance(61'000);
    trim();
    range = after("g", 0, 100);
    ASSERT_TRUE(range.ok());
    EXPECT_TRUE(range->events.empty());
    EXPECT_EQ(range->oldest_seq, 6U);  // latest + 1: nothing retained
    EXPECT_EQ(range->latest_seq, 5U);
    EXPECT_EQ(append_seq(chat("g", "newest")), 6U);
}

TEST_F(SqliteEventLogTest, append_undone_with_its_job_leaves_no_gap) {
    put_group("g");
    std::promise<Status> failed;
    std::promise<Result<Appended>> kept;
    {
        WriterGate gate(db());
        db().write(
            [&](sqlite::Transaction& txn) -> Status {
                auto request = chat("g", "doomed");
                auto appended = log().append_in_transaction(txn, request);
                if (!appended) return appended.status();
                EXPECT_EQ(appended->seq, 1U);
                return Status(errc::conflict, "changed my mind");
            },
            [&](Status status) { failed.set_value(std::move(status)); });
        log().append(chat("g", "kept"), [&](Result<Appended> r) { kept.set_value(std::move(r)); });
    }
    EXPECT_EQ(failed.get_future().get().code(), errc::conflict);
    auto result = kept.get_future().get();
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->seq, 1U);
    EXPECT_EQ(handler_.seqs("g"), (std::vector<std::uint64_t>{1}));
    EXPECT_EQ(texts("g"), (std::vector<std::string>{"kept"}));
}

TEST_F(SqliteEventLogTest, failed_commit_loses_the_batch_and_the_sequence_resumes_without_gap) {
    put_group("g");
    EXPECT_EQ(append_seq(chat("g", "one")), 1U);
    std::promise<Result<Appended>> lost;
    {
        WriterGate gate(db());
        log().append(chat("g", "two"), [&](Result<Appended> r) { lost.set_value(std::move(r)); });
        db().write(  // a foreign key violation deferred to COMMIT fails the whole batch
            [](sqlite::Transaction& txn) -> Status {
                if (auto s = txn.db().exec("PRAGMA defer_foreign_keys = ON"); !s) return s;
                return txn.db().exec(
                    "INSERT INTO group_heads (group_id, last_seq) VALUES ('x', 1)");
            },
            {});
    }
    auto result = lost.get_future().get();
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), errc::unavailable);

    EXPECT_EQ(append_seq(chat("g", "three")), 2U);
    EXPECT_EQ(handler_.seqs("g"), (std::vector<std::uint64_t>{1, 2}));
    EXPECT_EQ(texts("g"), (std::vector<std::string>{"one", "three"}));
}

TEST_F(SqliteEventLogTest, another_store_appends_in_its_transaction_and_completes_after_delivery) {
    put_group("g");
    std::promise<std::pair<std::uint64_t, std::uint64_t>> done;  // (seq, delivered by then)
    db().write(
        [&](sqlite::Transaction& txn) -> Status {
            if (auto s = txn.db().exec("INSERT INTO users (id, name) VALUES ('tally', 'x')"); !s) {
                return s;
            }
            auto request = chat("g", "duty update");
            auto appended = log().append_in_transaction(txn, request);
            if (!appended) return appended.status();
            EXPECT_EQ(request.event.seq(), appended->seq);
            txn.after_commit([&, seq = appended->seq] {
                done.set_value({seq, handler_.last_seq("g")});
            });
            return ok_status();
        },
        [&](const Status&) {
            done.set_value({0, 0});
        });
    auto [seq, delivered] = done.get_future().get();
    EXPECT_EQ(seq, 1U);
    EXPECT_EQ(delivered, 1U);
    EXPECT_EQ(test::count_rows(db(), "SELECT count(*) FROM users WHERE id = 'tally'"), 1);
}

TEST_F(SqliteEventLogTest, append_in_a_read_job_is_refused) {
    put_group("g");
    auto result = wait_for<Unit>([&](const Done<Unit>& d) {
        db().read(
            [&](sqlite::Transaction& txn) -> Status {
                auto request = chat("g", "x");
                return log().append_in_transaction(txn, request).status();
            },
            [d](Status s) { d(std::move(s)); });
    });
    EXPECT_EQ(result.status().code(), errc::internal);
}

TEST_F(SqliteEventLogTest, events_survive_a_restart_and_the_sequence_continues) {
    put_group("g");
    std::vector<std::string> before_restart;
    for (int i = 1; i <= 3; ++i) {
        auto appended = append(chat("g", "m" + std::to_string(i), "u1", "key" + std::to_string(i)));
        ASSERT_TRUE(appended.ok());
        before_restart.push_back(*appended->event);
    }
    reopen();

    auto range = after("g", 0, 100);
    ASSERT_TRUE(range.ok());
    ASSERT_EQ(range->events.size(), 3U);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(*range->events[i], before_restart[i]);
    EXPECT_EQ(range->latest_seq, 3U);
    EXPECT_EQ(append_seq(chat("g", "m4")), 4U);
    auto resent = append(chat("g", "m2", "u1", "key2"));  // keys are durable too
    ASSERT_TRUE(resent.ok());
    EXPECT_TRUE(resent->duplicate);
    EXPECT_EQ(resent->seq, 2U);
}

}  // namespace
}  // namespace muster::store
