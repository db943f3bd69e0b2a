// Catch-up with a log that interleaves live events: a node in this process, on the real SQLite
// store, whose log answers each replay page only after appending more events to the group,
// so that they are published live while the client is still being replayed to (the page it
// gets does not hold them yet). The client must receive every seq once, in order, then go live.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bus/local_bus.hpp"
#include "core/async.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "muster/session.hpp"
#include "muster/token.hpp"
#include "node/node.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "unit/store/store_test_util.hpp"

namespace muster::node {
namespace {

using store::test::TempDir;
using store::test::wait_for;

store::AppendRequest chat(const std::string& group, const std::string& text) {
    store::AppendRequest request;
    request.event.set_group(group);
    request.event.set_sender("writer");
    request.event.set_sender_name("Writer");
    request.event.mutable_chat()->set_text(text);
    return request;
}

// The SQLite log, except that while `pages_to_interleave` > 0 a replay page of the group is
// read, then `live_per_page` events are appended (and so published live), and only then is
// the page answered. No thread blocks: each step continues in the previous one's callback.
class InterleavingLog final : public store::EventLog {
  public:
    InterleavingLog(store::EventLog& inner, std::string group) : inner_(inner), group_(group) {}

    void append(store::AppendRequest request, Done<store::Appended> done) override {
        inner_.append(std::move(request), std::move(done));
    }
    void read_before(std::string group, std::uint64_t before_seq, std::uint32_t limit,
                     Done<store::LogRange> done) override {
        inner_.read_before(std::move(group), before_seq, limit, std::move(done));
    }
    void read_after(std::string group, std::uint64_t after_seq, std::uint32_t limit,
                    Done<store::LogRange> done) override {
        if (group != group_ || pages_to_interleave.load() <= 0) {
            inner_.read_after(std::move(group), after_seq, limit, std::move(done));
            return;
        }
        --pages_to_interleave;
        ++interleaved;
        inner_.read_after(
            group, after_seq, limit, [this, done = std::move(done)](Result<store::LogRange> page) {
                append_then(live_per_page, [done, page = std::move(page)] { done(page); });
            });
    }

    std::atomic<int> pages_to_interleave{0};
    std::atomic<int> interleaved{0};
    int live_per_page = 1;
    std::atomic<int> live_appended{0};

  private:
    void append_then(int left, std::function<void()> then) {
        if (left == 0) {
            then();
            return;
        }
        const int n = ++live_appended;
        inner_.append(chat(group_, "live " + std::to_string(n)),
                      [this, left, then = std::move(then)](const Result<store::Appended>& r) {
                          EXPECT_TRUE(r.ok()) << r.status().message();
                          append_then(left - 1, then);
                      });
    }

    store::EventLog& inner_;
    std::string group_;
};

class InterleavingStore final : public store::Store {
  public:
    InterleavingStore(std::unique_ptr<store::SqliteStore> inner, const std::string& group)
        : inner_(std::move(inner)), log_(inner_->log(), group) {}
    store::EventLog& log() override { return log_; }
    store::Directory& directory() override { return inner_->directory(); }
    store::PresenceStore& presence() override { return inner_->presence(); }
    void ping(Done<Unit> done) override { inner_->ping(std::move(done)); }
    void close() override { inner_->close(); }
    InterleavingLog& interleaving_log() { return log_; }

  private:
    std::unique_ptr<store::SqliteStore> inner_;
    InterleavingLog log_;
};

class CatchUp : public ::testing::Test {
  protected:
    void SetUp() override {
        config_.server.listen = "127.0.0.1:0";
        config_.server.threads = 1;
        config_.server.data_dir = dir_.path();
        config_.auth.jwt_secret = secret_;
        config_.log.replay_page = 4;  // many pages for a few events
        auto sqlite = std::make_unique<store::SqliteStore>(config_, bus_, clock_);
        ASSERT_TRUE(wait_for<Unit>([&](Done<Unit> d) {
                        sqlite->directory().put_group({"g", "g", ""}, std::move(d));
                    }).ok());
        ASSERT_TRUE(wait_for<Unit>([&](Done<Unit> d) {
                        sqlite->directory().put_member("g", "reader", store::Role::member, "Reader",
                                                       std::move(d));
                    }).ok());
        store_ = std::make_unique<InterleavingStore>(std::move(sqlite), "g");
        node_ = std::make_unique<Node>(config_, clock_, *store_, bus_);
        port_ = node_->start().port();
    }

    void TearDown() override {
        if (node_) {
            node_->stop();
            node_->run();  // returns once shut down
        }
    }

    void append(const std::string& text) {
        ASSERT_TRUE(wait_for<store::Appended>([&](Done<store::Appended> d) {
                        store_->log().append(chat("g", text), std::move(d));
                    }).ok());
    }

    client::Session connect() {
        client::ConnectOptions options;
        options.port = port_;
        auto session = client::Session::open(options);
        EXPECT_TRUE(session.ok());
        client::TokenSpec spec;
        spec.user = "reader";
        auto reply = session->connect(client::mint_token(spec, secret_));
        EXPECT_TRUE(reply.ok());
        return std::move(*session);
    }

    TempDir dir_;
    const std::string secret_ = "catch-up-test-secret-of-32-bytes-at-least";
    Config config_;
    SystemClock clock_;
    // Declared before the node, which borrows them: they go after it.
    bus::LocalBus bus_;
    std::unique_ptr<InterleavingStore> store_;
    std::unique_ptr<Node> node_;
    std::uint16_t port_ = 0;
};

TEST_F(CatchUp, live_events_during_the_replay_arrive_once_and_in_order) {
    // Pages of 4: the first (1-4) is full, the second (5, 6 and the 7 appended while the first
    // was read) is not, yet 8 was appended while it was read: going live after a page that is
    // not full, without comparing with what was seen live, would lose 8 and 9.
    for (int i = 1; i <= 6; ++i) append("before " + std::to_string(i));
    auto& log = store_->interleaving_log();
    log.pages_to_interleave = 3;

    auto session = connect();
    ASSERT_TRUE(session.subscribe("g", 0).ok());
    // 6 stored, then 1 more appended while each of 3 pages was being read: 9 in all.
    std::vector<std::uint64_t> seqs;
    while (seqs.size() < 9) {
        auto event = session.next_event(std::chrono::seconds(15));
        ASSERT_TRUE(event.ok()) << "after seq " << (seqs.empty() ? 0 : seqs.back());
        if (event->seq() == 0) continue;  // presence
        seqs.push_back(event->seq());
    }
    EXPECT_EQ(log.interleaved.load(), 3) << "pages were not interleaved: the test proves nothing";
    std::vector<std::uint64_t> expected;
    for (std::uint64_t s = 1; s <= 9; ++s) expected.push_back(s);
    EXPECT_EQ(seqs, expected);

    // Live now: the next event is the next seq (nothing duplicated or held back before it).
    log.pages_to_interleave = 0;
    append("after");
    for (;;) {
        auto event = session.next_event(std::chrono::seconds(15));
        ASSERT_TRUE(event.ok());
        if (event->seq() == 0) continue;
        EXPECT_EQ(event->seq(), 10U);
        EXPECT_EQ(event->chat().text(), "after");
        break;
    }
}

}  // namespace
}  // namespace muster::node
