// SqlitePushOutbox with fan-outs larger than a chunk (push.outbox_chunk): the first chunk is
// written with what caused it, the rest is spilled in the same transaction and expanded one
// chunk per transaction, so that other writers' jobs come between; every intent arrives once,
// also when the node stops before the expansion is over.

#include <atomic>
#include <future>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "bus/local_bus.hpp"
#include "store/sqlite/sqlite_push_outbox.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "unit/store/store_test_util.hpp"

namespace muster::store {
namespace {

using test::count_rows;
using test::wait_for;

constexpr std::int64_t t0 = 1'700'000'000'000;
constexpr std::uint32_t chunk = 100;
constexpr std::size_t fan_out = 1000;

std::vector<push::PushIntent> call_to_everyone() {
    std::vector<push::PushIntent> intents;
    for (std::size_t i = 0; i < fan_out; ++i) {
        push::PushIntent intent;
        intent.user = "u" + std::to_string(i);
        intent.title = "重华居民区 · 门岗: 登记, 测体温";
        intent.body = "紧急 · 还需 3 人";
        intent.data_json = R"({"type":"duty_call","callId":"c1"})";
        intents.push_back(std::move(intent));
    }
    return intents;
}

class SqlitePushOutboxSpillTest : public testing::Test {
  protected:
    SqlitePushOutboxSpillTest() {
        config_.server.data_dir = dir_.path();
        open_store();
    }
    ~SqlitePushOutboxSpillTest() override { close(); }

    void open_store() { store_ = std::make_unique<SqliteStore>(config_, bus_, clock_); }
    void open_outbox() {
        PushOutboxLimits limits;
        limits.chunk = chunk;
        outbox_ = std::make_unique<SqlitePushOutbox>(store_->database(), clock_, limits);
    }
    void close() {
        if (store_) store_->close();
        outbox_.reset();
        store_.reset();
    }

    std::vector<push::PushIntent> list_all() {
        auto r = wait_for<std::vector<push::PushIntent>>(
            [&](const Done<std::vector<push::PushIntent>>& d) {
                push::PushQuery query;
                query.limit = 10 * fan_out;
                outbox_->list(query, d);
            });
        EXPECT_TRUE(r.ok());
        return r.ok() ? *r : std::vector<push::PushIntent>{};
    }

    // Lists until `fan_out` intents are there (each answer prompts the next question), then
    // checks each user has exactly one, with the notification as enqueued.
    void expect_every_intent_once() {
        std::vector<push::PushIntent> all;
        const auto deadline = std::chrono::steady_clock::now() + test::wait_limit;
        while ((all = list_all()).size() < fan_out && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::yield();
        }
        ASSERT_EQ(all.size(), fan_out);
        std::set<std::string> users;
        for (const auto& intent : all) {
            users.insert(intent.user);
            EXPECT_EQ(intent.title, "重华居民区 · 门岗: 登记, 测体温");
            EXPECT_EQ(intent.data_json, R"({"type":"duty_call","callId":"c1"})");
            EXPECT_EQ(intent.created_ms, t0);
        }
        EXPECT_EQ(users.size(), fan_out);
        EXPECT_EQ(count_rows(store_->database(), "SELECT COUNT(*) FROM push_outbox_spill"), 0);
    }

    // The writer is held while the fan-out is queued and the database starts closing: the
    // enqueue still commits (close drains the queue), the expansion it asks for is refused,
    // and the spill rows stay on disk.
    void stop_with_the_fan_out_spilled() {
        test::WriterGate gate(store_->database());
        std::promise<bool> enqueued;
        outbox_->enqueue(call_to_everyone(),
                         [&](const Result<Unit>& r) { enqueued.set_value(r.ok()); });
        std::thread closer([this] { store_->close(); });
        std::atomic<bool> refused = false;
        const auto deadline = std::chrono::steady_clock::now() + test::wait_limit;
        while (!refused && std::chrono::steady_clock::now() < deadline) {
            store_->database().write([](sqlite::Transaction&) { return ok_status(); },
                                     [&](const Status&) { refused = true; });
            std::this_thread::yield();
        }
        EXPECT_TRUE(refused) << "the database never started closing";
        gate.open();
        closer.join();
        EXPECT_TRUE(enqueued.get_future().get());
    }

    test::TempDir dir_;
    Config config_;
    bus::LocalBus bus_;
    ManualClock clock_{t0};
    std::unique_ptr<SqliteStore> store_;
    std::unique_ptr<SqlitePushOutbox> outbox_;
};

TEST_F(SqlitePushOutboxSpillTest, a_large_fan_out_is_expanded_a_chunk_per_transaction) {
    open_outbox();
    // A relaxed writer job queued the moment the enqueue commits (on the writer thread, right
    // behind the first expansion, which is relaxed too and so keeps its place ahead of it) sees
    // the first chunk and one expanded chunk: not the whole fan-out.
    std::promise<std::int64_t> seen_by_next_writer;
    auto* db = &store_->database();
    outbox_->enqueue(call_to_everyone(), [&, db](const Result<Unit>& enqueued) {
        ASSERT_TRUE(enqueued.ok()) << enqueued.status().message();
        db->write(
            [&](sqlite::Transaction& txn) -> Status {
                auto count = txn.prepare("SELECT COUNT(*) FROM push_outbox");
                if (!count) return count.status();
                auto row = count->step();
                if (!row) return row.status();
                seen_by_next_writer.set_value(count->int64(0));
                return ok_status();
            },
            [&](const Status&) { seen_by_next_writer.set_value(-1); },
            sqlite::Database::Durability::relaxed);
    });
    auto seen = seen_by_next_writer.get_future();
    ASSERT_EQ(seen.wait_for(test::wait_limit), std::future_status::ready);
    EXPECT_EQ(seen.get(), 2 * chunk);
    expect_every_intent_once();
}

// A feature's transaction (a duty call's) records one notification to many users: the first
// chunk as rows in that transaction, the rest spilled with it, every user once and in order.
TEST_F(SqlitePushOutboxSpillTest, one_notification_to_many_users_is_recorded_like_its_intents) {
    open_outbox();
    push::PushFanout fanout;
    fanout.notification = call_to_everyone().front();
    for (std::size_t i = 0; i < fan_out; ++i) fanout.users.push_back("u" + std::to_string(i));
    std::promise<std::pair<std::int64_t, std::int64_t>> written;  // rows, spill rows at commit
    store_->database().write(
        [&](sqlite::Transaction& txn) -> Status {
            if (Status s = outbox_->enqueue_in_transaction(txn, fanout); !s) return s;
            auto rows = test::count_in(txn, "SELECT COUNT(*) FROM push_outbox");
            auto spilled = test::count_in(txn, "SELECT COUNT(*) FROM push_outbox_spill");
            written.set_value({rows, spilled});
            return ok_status();
        },
        [&](const Status& s) {
            if (!s) written.set_value({-1, -1});
        });
    const auto [rows, spilled] = written.get_future().get();
    EXPECT_EQ(rows, chunk);
    EXPECT_EQ(spilled, (fan_out - chunk + chunk - 1) / chunk);
    expect_every_intent_once();
    const auto all = list_all();  // ascending id: the users' order
    for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].user, fanout.users[i]);
}

TEST_F(SqlitePushOutboxSpillTest, a_fan_out_small_enough_is_written_at_once) {
    open_outbox();
    auto intents = call_to_everyone();
    intents.resize(chunk);
    ASSERT_TRUE(wait_for<Unit>([&](const Done<Unit>& d) { outbox_->enqueue(intents, d); }).ok());
    EXPECT_EQ(list_all().size(), chunk);
    EXPECT_EQ(count_rows(store_->database(), "SELECT COUNT(*) FROM push_outbox_spill"), 0);
}

TEST_F(SqlitePushOutboxSpillTest, what_a_stop_left_spilled_is_expanded_after_the_next_start) {
    open_outbox();
    stop_with_the_fan_out_spilled();
    outbox_.reset();
    store_.reset();

    open_store();
    EXPECT_EQ(count_rows(store_->database(), "SELECT COUNT(*) FROM push_outbox"), chunk);
    EXPECT_EQ(count_rows(store_->database(), "SELECT COUNT(*) FROM push_outbox_spill"),
              (fan_out - chunk) / chunk);
    open_outbox();
    expect_every_intent_once();
}

TEST_F(SqlitePushOutboxSpillTest, spilled_intents_age_out_like_the_others) {
    open_outbox();
    stop_with_the_fan_out_spilled();
    outbox_.reset();
    store_.reset();
    // Eight days later nobody wants the push: the first sweep drops the spilled ones too.
    clock_.advance(8LL * 86400 * 1000);
    open_store();
    PushOutboxLimits limits;
    limits.chunk = chunk;
    limits.sweep_interval = std::chrono::seconds(1);
    // The sweep and the expansion race; either way nothing older than max_age stays.
    outbox_ = std::make_unique<SqlitePushOutbox>(store_->database(), clock_, limits);
    const auto deadline = std::chrono::steady_clock::now() + test::wait_limit;
    while ((count_rows(store_->database(), "SELECT COUNT(*) FROM push_outbox") > 0 ||
            count_rows(store_->database(), "SELECT COUNT(*) FROM push_outbox_spill") > 0) &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
    }
    EXPECT_EQ(count_rows(store_->database(), "SELECT COUNT(*) FROM push_outbox"), 0);
    EXPECT_EQ(count_rows(store_->database(), "SELECT COUNT(*) FROM push_outbox_spill"), 0);
}

}  // namespace
}  // namespace muster::store
