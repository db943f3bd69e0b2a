// The Redis store and bus in-process, against a real redis-server: the same semantics as the
// SQLite store (tests/unit/store), now shared by several "nodes" (stores) on one Redis, and
// what happens when Redis goes away and comes back.

#include "store/redis/redis_store.hpp"

#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "bus/redis_bus.hpp"
#include "core/clock.hpp"
#include "redis/endpoint.hpp"
#include "support/redis_process.hpp"
#include "tcp_proxy.hpp"

namespace muster::store {
namespace {

using namespace std::chrono_literals;
using test::RedisProcess;

constexpr std::int64_t start_ms = 1'700'000'000'000;
constexpr auto wait_limit = std::chrono::seconds(30);

template <class T, class Start>
Result<T> wait_for(Start&& start) {
    auto promise = std::make_shared<std::promise<Result<T>>>();
    auto future = promise->get_future();
    start(Done<T>([promise](Result<T> result) { promise->set_value(std::move(result)); }));
    if (future.wait_for(wait_limit) != std::future_status::ready) {
        ADD_FAILURE() << "no completion within " << wait_limit.count() << " s";
        return Status(errc::internal, "test timeout");
    }
    return future.get();
}

AppendRequest chat(const std::string& group, const std::string& text,
                   const std::string& user = "u1", const std::string& key = {}) {
    AppendRequest request;
    request.event.set_group(group);
    request.event.set_sender(user);
    request.event.mutable_chat()->set_text(text);
    request.event.mutable_chat()->set_client_msg_id(key);
    request.idempotency_user = user;
    request.idempotency_key = key;
    return request;
}

muster::v1::Event parse(const SharedBytes& bytes) {
    muster::v1::Event event;
    EXPECT_TRUE(bytes != nullptr && event.ParseFromString(*bytes));
    return event;
}

std::vector<std::uint64_t> seqs_of(const LogRange& range) {
    std::vector<std::uint64_t> out;
    for (const auto& bytes : range.events) out.push_back(parse(bytes).seq());
    return out;
}

std::vector<std::uint64_t> iota(std::uint64_t first, std::uint64_t last) {
    std::vector<std::uint64_t> out;
    for (auto s = first; s <= last; ++s) out.push_back(s);
    return out;
}

// What a bus hands to its node.
class Recorder final : public bus::BusHandler {
  public:
    void on_event(const std::string& group, std::uint64_t seq, SharedBytes event) override {
        std::lock_guard lock(mutex_);
        events_[group].push_back({seq, std::move(event)});
    }
    void on_control(SharedBytes message) override {
        std::lock_guard lock(mutex_);
        controls_.push_back(*message);
    }
    void on_bus_reset() override { ++resets_; }

    std::vector<std::pair<std::uint64_t, SharedBytes>> of(const std::string& group) {
        std::lock_guard lock(mutex_);
        return events_[group];
    }
    std::vector<std::string> controls() {
        std::lock_guard lock(mutex_);
        return controls_;
    }
    int resets() const { return resets_; }

    // Polls (the bus delivers on its own thread) until `done` holds; false after the limit.
    template <class Pred>
    bool until(Pred done, std::chrono::milliseconds limit = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(5ms);
        }
        return true;
    }

  private:
    std::mutex mutex_;
    std::map<std::string, std::vector<std::pair<std::uint64_t, SharedBytes>>> events_;
    std::vector<std::string> controls_;
    std::atomic<int> resets_{0};
};

class RedisStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!RedisProcess::available()) GTEST_SKIP() << "redis-server is not installed";
        ASSERT_TRUE(redis_.start());
        config_.redis.url = redis_.url();
        config_.redis.reconnect_min_ms = 20;
        config_.redis.reconnect_max_ms = 200;
        config_.redis.command_timeout_ms = 1000;
        config_.redis.health_interval_ms = 100;
        config_.store.trim_interval_s = 0;
    }

    RedisStore& store(std::size_t i = 0) {
        while (stores_.size() <= i) {
            auto endpoint = redis::parse_endpoint(config_.redis.url);
            stores_.push_back(std::make_unique<RedisStore>(
                config_, *endpoint, "node" + std::to_string(stores_.size()), clock_));
        }
        return *stores_[i];
    }

    bus::RedisBus& bus() {
        if (!bus_) {
            bus_ = std::make_unique<bus::RedisBus>(config_.redis,
                                                   *redis::parse_endpoint(config_.redis.url), "b1");
            bus_->set_handler(&recorder_);
            EXPECT_TRUE(recorder_.until([&] { return bus_->healthy(); }));
        }
        return *bus_;
    }

    void put_group(const std::string& id, const std::string& parent = {}) {
        auto done = wait_for<Unit>([&](Done<Unit> d) {
            store().directory().put_group({id, id, parent}, std::move(d));
        });
        ASSERT_TRUE(done.ok()) << done.status().message();
    }
    Result<Appended> append(AppendRequest request, std::size_t node = 0) {
        return wait_for<Appended>(
            [&](Done<Appended> d) { store(node).log().append(std::move(request), std::move(d)); });
    }
    std::uint64_t append_seq(AppendRequest request, std::size_t node = 0) {
        auto appended = append(std::move(request), node);
        EXPECT_TRUE(appended.ok()) << appended.status().message();
        return appended.ok() ? appended->seq : 0;
    }
    Result<LogRange> after(const std::string& group, std::uint64_t seq, std::uint32_t limit) {
        return wait_for<LogRange>(
            [&](Done<LogRange> d) { store().log().read_after(group, seq, limit, std::move(d)); });
    }
    Result<LogRange> before(const std::string& group, std::uint64_t seq, std::uint32_t limit) {
        return wait_for<LogRange>(
            [&](Done<LogRange> d) { store().log().read_before(group, seq, limit, std::move(d)); });
    }
    bool subscribe(const std::string& group) {
        auto done = wait_for<Unit>([&](Done<Unit> d) { bus().subscribe(group, std::move(d)); });
        EXPECT_TRUE(done.ok()) << done.status().message();
        return done.ok();
    }

    void TearDown() override {
        if (bus_) bus_->stop();
        bus_.reset();
        stores_.clear();
    }

    RedisProcess redis_;
    Config config_;
    ManualClock clock_{start_ms};
    Recorder recorder_;
    std::vector<std::unique_ptr<RedisStore>> stores_;
    std::unique_ptr<bus::RedisBus> bus_;
};

TEST_F(RedisStoreTest, appends_from_two_nodes_get_gapless_seqs_published_in_seq_order) {
    put_group("g");
    ASSERT_TRUE(subscribe("g"));
    store(1);
    constexpr int per_thread = 150;
    constexpr int threads = 4;  // two per store
    constexpr std::uint64_t total = per_thread * threads;

    std::mutex mutex;
    std::vector<std::uint64_t> acked;
    int failures = 0;
    int wrong_bytes = 0;
    std::promise<void> all_done;
    std::size_t completed = 0;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                store(t % 2).log().append(
                    chat("g", "t" + std::to_string(t) + "-" + std::to_string(i)),
                    [&](Result<Appended> r) {
                        std::lock_guard lock(mutex);
                        if (!r.ok()) {
                            ++failures;
                        } else {
                            acked.push_back(r->seq);
                            const auto event = parse(r->event);
                            if (event.seq() != r->seq || event.group() != "g") ++wrong_bytes;
                        }
                        if (++completed == total) all_done.set_value();
                    });
            }
        });
    }
    for (auto& w : workers) w.join();
    ASSERT_EQ(all_done.get_future().wait_for(wait_limit), std::future_status::ready);
    {
        std::lock_guard lock(mutex);
        EXPECT_EQ(failures, 0);
        EXPECT_EQ(wrong_bytes, 0);
        std::sort(acked.begin(), acked.end());
        EXPECT_EQ(acked, iota(1, total)) << "every seq once, none missing";
    }
    ASSERT_TRUE(recorder_.until([&] { return recorder_.of("g").size() >= total; }));
    const auto delivered = recorder_.of("g");
    std::vector<std::uint64_t> order;
    for (const auto& [seq, bytes] : delivered) {
        order.push_back(seq);
        EXPECT_EQ(parse(bytes).seq(), seq);
    }
    EXPECT_EQ(order, iota(1, total)) << "pub/sub order is seq order";

    auto range = after("g", 0, 10000);
    ASSERT_TRUE(range.ok());
    EXPECT_EQ(seqs_of(*range), iota(1, total));
    EXPECT_EQ(range->latest_seq, total);
    for (std::size_t i = 0; i < delivered.size(); ++i) {
        EXPECT_EQ(*delivered[i].second, *range->events[i]) << "stored bytes == published bytes";
    }
}

TEST_F(RedisStoreTest, stored_event_carries_its_seq_and_the_log_time) {
    put_group("g");
    auto appended = append(chat("g", "hello"));
    ASSERT_TRUE(appended.ok()) << appended.status().message();
    EXPECT_EQ(appended->seq, 1U);
    EXPECT_FALSE(appended->duplicate);
    const auto event = parse(appended->event);
    EXPECT_EQ(event.seq(), 1U);
    EXPECT_EQ(event.time_ms(), start_ms);
    EXPECT_EQ(event.chat().text(), "hello");
    auto range = after("g", 0, 10);
    ASSERT_TRUE(range.ok());
    ASSERT_EQ(range->events.size(), 1U);
    EXPECT_EQ(*range->events[0], *appended->event);
}

TEST_F(RedisStoreTest, repeated_idempotency_key_returns_the_original_seq_on_any_node) {
    config_.log.idempotency_ttl_s = 60;
    put_group("g");
    EXPECT_EQ(append_seq(chat("g", "hello", "u1", "k1"), 0), 1U);
    auto again = append(chat("g", "hello, resent elsewhere", "u1", "k1"), 1);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->seq, 1U);
    EXPECT_TRUE(again->duplicate);
    EXPECT_EQ(again->event, nullptr);
    EXPECT_EQ(append_seq(chat("g", "same key, other user", "u2", "k1")), 2U);
    clock_.advance(61'000);  // past the TTL: the key is forgotten
    EXPECT_EQ(append_seq(chat("g", "hello, much later", "u1", "k1")), 3U);
    auto range = after("g", 0, 10);
    ASSERT_TRUE(range.ok());
    EXPECT_EQ(seqs_of(*range), iota(1, 3));
}

TEST_F(RedisStoreTest, unknown_group_is_not_found) {
    auto appended = append(chat("nope", "hello"));
    ASSERT_FALSE(appended.ok());
    EXPECT_EQ(appended.status().code(), errc::not_found);
    EXPECT_EQ(appended.status().message(), "no such group: nope");
    EXPECT_EQ(after("nope", 0, 10).status().code(), errc::not_found);
    EXPECT_EQ(before("nope", newest, 10).status().code(), errc::not_found);
}

TEST_F(RedisStoreTest, pages_forward_and_backward_with_oldest_and_latest) {
    put_group("g");
    put_group("empty");
    for (int i = 1; i <= 10; ++i) append_seq(chat("g", "m" + std::to_string(i)));
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
    EXPECT_EQ(page(false, 0, 3), seqs{});
    EXPECT_EQ(page(true, 0, 0), seqs{});

    auto empty = before("empty", newest, 10);
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->events.empty());
    EXPECT_EQ(empty->oldest_seq, 1U);
    EXPECT_EQ(empty->latest_seq, 0U);
}

TEST_F(RedisStoreTest, retention_by_count_keeps_a_contiguous_tail_and_moves_oldest_seq) {
    config_.log.retention_events = 100;
    put_group("g");
    for (int i = 1; i <= 1000; ++i) append_seq(chat("g", "m"));
    auto range = after("g", 0, 5000);
    ASSERT_TRUE(range.ok());
    const auto kept = seqs_of(*range);
    // MAXLEN ~ trims whole stream nodes (100 entries each by default): about 100 are kept.
    EXPECT_GE(kept.size(), 100U);
    EXPECT_LE(kept.size(), 300U);
    ASSERT_FALSE(kept.empty());
    EXPECT_EQ(kept, iota(kept.front(), 1000)) << "contiguous up to the head";
    EXPECT_EQ(range->oldest_seq, kept.front());
    EXPECT_EQ(range->latest_seq, 1000U);
    EXPECT_EQ(append_seq(chat("g", "next")), 1001U) << "trimming never moves the sequence back";
}

TEST_F(RedisStoreTest, retention_by_age_drops_old_events_and_may_empty_the_log) {
    config_.log.retention_age_s = 60;
    put_group("g");
    for (int i = 1; i <= 3; ++i) append_seq(chat("g", "old"));
    clock_.advance(61'000);
    for (int i = 4; i <= 5; ++i) append_seq(chat("g", "new"));
    auto trim = [&] {
        auto done =
            wait_for<Unit>([&](Done<Unit> d) { store().redis_log().trim_now(std::move(d)); });
        ASSERT_TRUE(done.ok()) << done.status().message();
    };
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

TEST_F(RedisStoreTest, directory_builds_a_tree_and_refuses_missing_parents_and_cycles) {
    auto& dir = store().directory();
    auto put = [&](GroupInfo g) {
        return wait_for<Unit>([&](Done<Unit> d) { dir.put_group(g, std::move(d)); }).status();
    };
    EXPECT_TRUE(put({"root", "Root", ""}).ok());
    EXPECT_TRUE(put({"a", "A", "root"}).ok());
    EXPECT_TRUE(put({"b", "B", "a"}).ok());
    EXPECT_EQ(put({"x", "X", "missing"}).code(), errc::not_found);
    EXPECT_EQ(put({"a", "A", "a"}).code(), errc::invalid_argument);
    EXPECT_EQ(put({"a", "A", "b"}).code(), errc::invalid_argument) << "a cycle";
    EXPECT_EQ(put({"", "", ""}).code(), errc::invalid_argument);
    EXPECT_TRUE(put({"b", "B renamed", "root"}).ok()) << "moving is fine";

    auto groups = wait_for<std::vector<GroupInfo>>(
        [&](Done<std::vector<GroupInfo>> d) { dir.list_groups(std::move(d)); });
    ASSERT_TRUE(groups.ok());
    ASSERT_EQ(groups->size(), 3U);
    EXPECT_EQ((*groups)[0].id, "a");
    EXPECT_EQ((*groups)[0].parent, "root");
    EXPECT_EQ((*groups)[1].id, "b");
    EXPECT_EQ((*groups)[1].name, "B renamed");
    EXPECT_EQ((*groups)[1].parent, "root");
    EXPECT_EQ((*groups)[2].id, "root");
    EXPECT_EQ((*groups)[2].parent, "");
    // A group made by the directory takes appends at once.
    EXPECT_EQ(append_seq(chat("b", "first")), 1U);
}

TEST_F(RedisStoreTest, members_are_put_changed_listed_and_removed) {
    put_group("g");
    put_group("h");
    auto& dir = store().directory();
    auto put = [&](const std::string& g, const std::string& u, Role r, const std::string& name) {
        return wait_for<Unit>([&](Done<Unit> d) { dir.put_member(g, u, r, name, std::move(d)); })
            .status();
    };
    EXPECT_TRUE(put("g", "alice", Role::member, "Alice").ok());
    EXPECT_TRUE(put("g", "bob", Role::coordinator, "").ok());
    EXPECT_TRUE(put("h", "alice", Role::coordinator, "").ok());
    EXPECT_EQ(put("nope", "alice", Role::member, "").code(), errc::not_found);
    EXPECT_EQ(put("g", "", Role::member, "").code(), errc::invalid_argument);
    EXPECT_EQ(put("g", "carol", Role::none, "").code(), errc::invalid_argument);
    dir.remember_user("bob", "Bob B.");
    EXPECT_TRUE(put("g", "alice", Role::coordinator, "").ok()) << "a change keeps the name";

    auto members = wait_for<std::vector<MemberInfo>>(
        [&](Done<std::vector<MemberInfo>> d) { dir.members_of("g", std::move(d)); });
    ASSERT_TRUE(members.ok());
    ASSERT_EQ(members->size(), 2U);
    EXPECT_EQ((*members)[0].user, "alice");
    EXPECT_EQ((*members)[0].role, Role::coordinator);
    EXPECT_EQ((*members)[0].name, "Alice");
    EXPECT_EQ((*members)[1].user, "bob");
    EXPECT_EQ((*members)[1].name, "Bob B.") << "the name the user connected with";

    auto memberships = wait_for<std::vector<Membership>>(
        [&](Done<std::vector<Membership>> d) { dir.memberships_of("alice", std::move(d)); });
    ASSERT_TRUE(memberships.ok());
    ASSERT_EQ(memberships->size(), 2U);
    EXPECT_EQ((*memberships)[0].group, "g");
    EXPECT_EQ((*memberships)[1].group, "h");

    auto remove = [&](const std::string& g, const std::string& u) {
        return wait_for<Unit>([&](Done<Unit> d) { dir.remove_member(g, u, std::move(d)); })
            .status();
    };
    EXPECT_TRUE(remove("g", "alice").ok());
    EXPECT_EQ(remove("g", "alice").code(), errc::not_found);
    memberships = wait_for<std::vector<Membership>>(
        [&](Done<std::vector<Membership>> d) { dir.memberships_of("alice", std::move(d)); });
    ASSERT_TRUE(memberships.ok());
    ASSERT_EQ(memberships->size(), 1U);
    EXPECT_EQ((*memberships)[0].group, "h");
    EXPECT_EQ(wait_for<std::vector<MemberInfo>>(
                  [&](Done<std::vector<MemberInfo>> d) { dir.members_of("nope", std::move(d)); })
                  .status()
                  .code(),
              errc::not_found);
}

TEST_F(RedisStoreTest, presence_is_decided_across_nodes_and_a_dead_nodes_users_expire) {
    // Far longer than any stall of a loaded machine: that node 1 still sees a dead node's
    // users right after it died cannot depend on speed. Their expiry is not waited for: the
    // test moves the dead node's deadlines to Redis' present instead (below).
    config_.redis.presence_ttl_s = 600;
    auto join = [&](std::size_t node, const std::string& user) {
        auto r = wait_for<bool>([&](Done<bool> d) {
            store(node).presence().join("g", user, "Name " + user, std::move(d));
        });
        EXPECT_TRUE(r.ok()) << r.status().message();
        return r.ok() && *r;
    };
    auto leave = [&](std::size_t node, const std::string& user) {
        auto r = wait_for<bool>(
            [&](Done<bool> d) { store(node).presence().leave("g", user, std::move(d)); });
        EXPECT_TRUE(r.ok()) << r.status().message();
        return r.ok() && *r;
    };
    auto list = [&](std::size_t node) {
        auto r = wait_for<PresencePage>(
            [&](Done<PresencePage> d) { store(node).presence().list("g", {}, 100, std::move(d)); });
        std::vector<std::string> users;
        if (r.ok()) {
            for (const auto& e : r->entries) users.push_back(e.user + "/" + e.name);
            EXPECT_EQ(r->online, users.size());
        }
        return users;
    };
    EXPECT_TRUE(join(0, "alice")) << "first device anywhere";
    EXPECT_FALSE(join(0, "alice")) << "second device, same node";
    EXPECT_FALSE(join(1, "alice")) << "third device, other node";
    EXPECT_EQ(list(1), (std::vector<std::string>{"alice/Name alice"})) << "online once";
    EXPECT_FALSE(leave(0, "alice"));
    EXPECT_FALSE(leave(0, "alice")) << "still on node 1";
    EXPECT_TRUE(leave(1, "alice")) << "the last device anywhere";
    EXPECT_TRUE(list(0).empty());
    EXPECT_FALSE(leave(1, "alice")) << "never joined (any more)";

    // Node 0 has bob and dies (no leave); node 1 sees bob until his entries' deadline.
    EXPECT_TRUE(join(0, "bob"));
    store(0).presence().connection_opened("bob");
    auto connected = [&](const std::string& user) {
        auto r = wait_for<bool>(
            [&](Done<bool> d) { store(1).presence().is_connected(user, std::move(d)); });
        return r.ok() && *r;
    };
    // connection_opened() reports nothing back: node 1 sees it once node 0's write reached
    // Redis. Await that (the deadline only matters when it never does).
    const auto opened = std::chrono::steady_clock::now();
    while (!connected("bob") && std::chrono::steady_clock::now() - opened < wait_limit) {
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_TRUE(connected("bob"));
    // Many users at once (the default: one question each, gathered), in the order asked.
    auto among = wait_for<PresenceStore::Connected>([&](Done<PresenceStore::Connected> d) {
        store(1).presence().connected_among({"carol", "bob", "alice", "bob"}, std::move(d));
    });
    ASSERT_TRUE(among.ok());
    ASSERT_EQ(among->size(), 4u);
    EXPECT_FALSE((*among)[0].ok() && *(*among)[0]) << "carol never connected";
    EXPECT_TRUE((*among)[1].ok() && *(*among)[1]) << "bob is on node 0";
    EXPECT_FALSE((*among)[2].ok() && *(*among)[2]) << "alice joined groups but opened nothing";
    EXPECT_TRUE((*among)[3].ok() && *(*among)[3]) << "bob again, answered again";
    const std::string dead = store(0).redis_presence().node_id();
    stores_[0]->close();
    EXPECT_EQ(list(1), (std::vector<std::string>{"bob/Name bob"}));
    EXPECT_TRUE(connected("bob")) << "a dead node's users stay until their deadline";

    // Nothing announces a dead node: its entries carry a deadline (Redis' clock) at most one
    // TTL ahead, which its heartbeat no longer pushes back.
    auto& redis = store(1).client();
    const auto& keys = store(1).keys();
    auto command = [&](std::vector<std::string> args) {
        auto r = wait_for<redis::Reply>(
            [&](Done<redis::Reply> d) { redis.command(std::move(args), std::move(d)); });
        EXPECT_TRUE(r.ok()) << r.status().message();
        return r.ok() ? *r : redis::Reply{};
    };
    auto redis_now_ms = [&]() -> std::int64_t {
        const auto time = command({"TIME"});
        if (time.elements.size() != 2) return 0;
        return std::stoll(time.elements[0].str) * 1000 + std::stoll(time.elements[1].str) / 1000;
    };
    const std::string entry = dead + "\nbob";
    const auto deadline = command({"ZSCORE", keys.presence_online("g"), entry});
    ASSERT_TRUE(deadline.is_string()) << "node 0's entry for bob is in Redis";
    const auto now = redis_now_ms();
    EXPECT_GT(std::stoll(deadline.str), now);
    EXPECT_LE(std::stoll(deadline.str), now + 600'000) << "at most one TTL ahead";
    // What a TTL of waiting does, without the wait: every deadline of the dead node reaches
    // Redis' present (XX: only entries that exist are moved).
    const std::string at = std::to_string(redis_now_ms());
    for (const auto& [key, member] :
         std::vector<std::pair<std::string, std::string>>{{keys.presence_online("g"), entry},
                                                          {keys.presence_nodes("g"), dead},
                                                          {keys.user_nodes("bob"), dead}}) {
        EXPECT_EQ(command({"ZADD", key, "XX", "CH", at, member}).integer, 1) << key;
    }
    EXPECT_TRUE(list(1).empty()) << "a dead node's presence expires without any leave";
    EXPECT_FALSE(connected("bob"));
    EXPECT_TRUE(join(1, "bob")) << "bob comes back elsewhere: online again";
}

TEST_F(RedisStoreTest, bus_delivers_log_transient_and_control_messages_to_subscribers_only) {
    put_group("g");
    put_group("other");
    ASSERT_TRUE(subscribe("g"));
    EXPECT_EQ(append_seq(chat("g", "one")), 1U);
    EXPECT_EQ(append_seq(chat("other", "not subscribed")), 1U);
    muster::v1::Event presence;
    presence.set_group("g");
    presence.mutable_presence()->set_user_id("alice");
    bus().publish_transient("g", make_shared_bytes(presence.SerializeAsString()));
    bus().publish_control(make_shared_bytes("{\"kind\":\"x\"}"));
    EXPECT_EQ(append_seq(chat("g", "two")), 2U);
    ASSERT_TRUE(recorder_.until([&] { return recorder_.of("g").size() >= 3; }));
    const auto events = recorder_.of("g");
    ASSERT_EQ(events.size(), 3U);
    // Log events in seq order; the transient one somewhere among them (it travels on another
    // connection than the appends, so it has no order relative to them: presence never has).
    std::vector<std::uint64_t> log_seqs;
    int transients = 0;
    for (const auto& [seq, bytes] : events) {
        if (seq == 0) {
            ++transients;
            EXPECT_EQ(parse(bytes).presence().user_id(), "alice");
        } else {
            log_seqs.push_back(seq);
        }
    }
    EXPECT_EQ(transients, 1);
    EXPECT_EQ(log_seqs, (std::vector<std::uint64_t>{1, 2}));
    EXPECT_TRUE(recorder_.of("other").empty());
    ASSERT_TRUE(recorder_.until([&] { return !recorder_.controls().empty(); }));
    EXPECT_EQ(recorder_.controls()[0], "{\"kind\":\"x\"}");

    bus().unsubscribe("g");
    // Confirmation of the UNSUBSCRIBE is not awaited: a marker in a group still subscribed
    // shows that what came after reached nobody.
    ASSERT_TRUE(subscribe("other"));
    EXPECT_EQ(append_seq(chat("g", "after unsubscribe")), 3U);
    EXPECT_EQ(append_seq(chat("other", "marker")), 2U);
    ASSERT_TRUE(recorder_.until([&] { return recorder_.of("other").size() >= 1; }));
    EXPECT_EQ(recorder_.of("g").size(), 3U);
}

TEST_F(RedisStoreTest, control_messages_reach_every_node_once_the_sender_at_once) {
    Recorder other_recorder;
    bus::RedisBus other(config_.redis, *redis::parse_endpoint(config_.redis.url), "b2");
    other.set_handler(&other_recorder);
    ASSERT_TRUE(other_recorder.until([&] { return other.healthy(); }));
    bus().publish_control(make_shared_bytes("from b1"));
    EXPECT_EQ(recorder_.controls(), std::vector<std::string>{"from b1"})
        << "the sender's own node hears it before publish_control returns";
    ASSERT_TRUE(other_recorder.until([&] { return other_recorder.controls().size() >= 1; }));
    other.publish_control(make_shared_bytes("from b2"));
    ASSERT_TRUE(other_recorder.until([&] { return other_recorder.controls().size() >= 2; }));
    ASSERT_TRUE(recorder_.until([&] { return recorder_.controls().size() >= 2; }));
    // A marker round: once b2's own later message is back at b1, nothing else is on its way.
    other.publish_control(make_shared_bytes("marker"));
    ASSERT_TRUE(recorder_.until([&] { return recorder_.controls().size() >= 3; }));
    EXPECT_EQ(recorder_.controls(), (std::vector<std::string>{"from b1", "from b2", "marker"}));
    ASSERT_TRUE(other_recorder.until([&] { return other_recorder.controls().size() >= 3; }));
    EXPECT_EQ(other_recorder.controls(),
              (std::vector<std::string>{"from b1", "from b2", "marker"}));
    other.stop();
}

TEST_F(RedisStoreTest, while_redis_is_down_calls_fail_fast_and_everything_recovers_after) {
    // "Fast" means: without waiting for a command timeout. A long one tells the two apart
    // however slow the machine is.
    config_.redis.command_timeout_ms = 20'000;
    put_group("g");
    ASSERT_TRUE(subscribe("g"));
    EXPECT_EQ(append_seq(chat("g", "before")), 1U);
    const int resets_at_start = recorder_.resets();  // the control channel's first one
    redis_.kill();

    // Each connection notices at once (the socket closes); then every call fails quickly.
    ASSERT_TRUE(recorder_.until([&] { return !bus().healthy(); }));
    for (int i = 0; i < 5; ++i) {
        const auto started = std::chrono::steady_clock::now();
        auto appended = append(chat("g", "during"));
        const auto took = std::chrono::steady_clock::now() - started;
        ASSERT_FALSE(appended.ok());
        EXPECT_EQ(appended.status().code(), errc::unavailable);
        EXPECT_LT(took, 10s) << "no hang: at most one reconnect attempt, no command timeout";
        auto ping = wait_for<Unit>([&](Done<Unit> d) { store().ping(std::move(d)); });
        EXPECT_EQ(ping.status().code(), errc::unavailable);
    }
    // (A subscribe waits for the bus to reconnect, up to the command timeout:
    // a_subscribe_while_redis_is_away_fails_once_its_wait_runs_out.)

    ASSERT_TRUE(redis_.restart());
    const auto restarted = std::chrono::steady_clock::now();
    // One reset for the reconnect (the first one came with the control channel at start).
    ASSERT_TRUE(recorder_.until(
        [&] { return bus().healthy() && recorder_.resets() == resets_at_start + 1; }));
    const auto bus_back = std::chrono::steady_clock::now() - restarted;
    Result<Unit> ping = Status(errc::unavailable, "");
    while (!ping.ok() && std::chrono::steady_clock::now() - restarted < 10s) {
        ping = wait_for<Unit>([&](Done<Unit> d) { store().ping(std::move(d)); });
        if (!ping.ok()) std::this_thread::sleep_for(10ms);
    }
    ASSERT_TRUE(ping.ok());
    std::cout << "[ measured ] bus resubscribed and reset "
              << std::chrono::duration_cast<std::chrono::milliseconds>(bus_back).count()
              << " ms after redis-server was ready again\n";
    // The AOF kept the event acknowledged before the crash, and the sequence goes on.
    // (Event 1 may have reached the bus before the kill, or not: that is what the reset is
    // for.)
    EXPECT_EQ(append_seq(chat("g", "after")), 2U);
    ASSERT_TRUE(recorder_.until([&] {
        const auto events = recorder_.of("g");
        return !events.empty() && events.back().first == 2;
    })) << "the resubscribed channel delivers";
    auto range = after("g", 0, 10);
    ASSERT_TRUE(range.ok());
    EXPECT_EQ(seqs_of(*range), iota(1, 2));
}

TEST_F(RedisStoreTest, a_subscribe_that_comes_before_the_bus_is_connected_waits_for_it) {
    // A node serves clients as soon as it listens: the bus may still be connecting (or
    // reconnecting). Here it cannot connect until Redis is back, however slow the machine is.
    // The limit only matters when it never connects.
    config_.redis.command_timeout_ms = 30'000;
    put_group("g");
    redis_.kill();
    bus::RedisBus early(config_.redis, *redis::parse_endpoint(config_.redis.url), "early");
    Recorder recorder;
    early.set_handler(&recorder);
    auto subscribed = std::make_shared<std::promise<Result<Unit>>>();
    auto result = subscribed->get_future();
    early.subscribe("g", [subscribed](Result<Unit> r) { subscribed->set_value(std::move(r)); });
    EXPECT_FALSE(early.healthy());

    ASSERT_TRUE(redis_.restart());
    ASSERT_EQ(result.wait_for(wait_limit), std::future_status::ready);
    const auto r = result.get();
    ASSERT_TRUE(r.ok()) << r.status().message();
    // Subscribed for real: an event appended now reaches it.
    Result<Appended> appended = Status(errc::unavailable, "");
    const auto back = std::chrono::steady_clock::now();
    while (!appended.ok() && std::chrono::steady_clock::now() - back < wait_limit) {
        appended = append(chat("g", "hello"));
        if (!appended.ok()) std::this_thread::sleep_for(10ms);
    }
    ASSERT_TRUE(appended.ok()) << appended.status().message();
    EXPECT_TRUE(recorder.until([&] { return recorder.of("g").size() == 1; }));
    early.stop();
}

TEST_F(RedisStoreTest, a_subscribe_while_redis_is_away_fails_once_its_wait_runs_out) {
    config_.redis.command_timeout_ms = 200;
    redis_.kill();
    bus::RedisBus early(config_.redis, *redis::parse_endpoint(config_.redis.url), "early");
    auto r = wait_for<Unit>([&](Done<Unit> d) { early.subscribe("g", std::move(d)); });
    EXPECT_EQ(r.status().code(), errc::unavailable) << "bounded: no hang";
    early.stop();
}

TEST_F(RedisStoreTest, a_subscriber_gone_silent_is_caught_by_the_health_echo_and_replaced) {
    // The bus reaches Redis through a proxy that can silence the connections it carries
    // without closing them: the subscriber sends nothing, so nothing but the echo of its
    // health channel can tell that it hears nothing any more.
    test::TcpProxy proxy(redis_.port());
    put_group("g");  // the store connects directly
    config_.redis.url = "redis://127.0.0.1:" + std::to_string(proxy.port());
    ASSERT_TRUE(subscribe("g"));
    EXPECT_EQ(append_seq(chat("g", "before")), 1U);
    ASSERT_TRUE(recorder_.until([&] { return recorder_.of("g").size() == 1; }));

    const int resets_at_start = recorder_.resets();  // the control channel's first one
    proxy.freeze_existing();
    const auto frozen = std::chrono::steady_clock::now();
    ASSERT_TRUE(recorder_.until([&] { return !bus().healthy(); }));
    ASSERT_TRUE(recorder_.until(
        [&] { return bus().healthy() && recorder_.resets() == resets_at_start + 1; }));
    const auto replaced = std::chrono::steady_clock::now() - frozen;
    std::cout << "[ measured ] a silent subscriber was replaced after "
              << std::chrono::duration_cast<std::chrono::milliseconds>(replaced).count()
              << " ms (health interval 100 ms, command timeout 1000 ms)\n";
    // The grace is max(3 intervals, interval + command timeout) = 1.1 s, checked each 100 ms;
    // the publisher also times out and reconnects meanwhile. Not asserted: it depends on the
    // machine's speed (recorder_.until() above gives up after 10 s: no replacement at all).
    EXPECT_EQ(append_seq(chat("g", "after")), 2U);  // the store's connection is direct
    ASSERT_TRUE(recorder_.until([&] {
        const auto events = recorder_.of("g");
        return !events.empty() && events.back().first == 2;
    })) << "the new subscriber delivers";
}

TEST_F(RedisStoreTest, a_frozen_redis_makes_commands_time_out_instead_of_hanging) {
    put_group("g");
    redis_.signal(SIGSTOP);
    const auto started = std::chrono::steady_clock::now();
    auto appended = append(chat("g", "into the void"));
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_FALSE(appended.ok());
    EXPECT_EQ(appended.status().code(), errc::unavailable);
    // Timers never fire early; the call ended while Redis was still frozen (no hang, or
    // wait_for() would have failed after 30 s).
    EXPECT_GE(took, 900ms) << "waited for the command timeout (1 s)";
    redis_.signal(SIGCONT);
    Result<Appended> later = Status(errc::unavailable, "");
    const auto thawed = std::chrono::steady_clock::now();
    while (!later.ok() && std::chrono::steady_clock::now() - thawed < 10s) {
        later = append(chat("g", "thawed", "u1", "retry-key"));
        if (!later.ok()) std::this_thread::sleep_for(20ms);
    }
    ASSERT_TRUE(later.ok()) << later.status().message();
    // The first append may or may not have been applied before the freeze: either way the
    // log is gapless.
    auto range = after("g", 0, 10);
    ASSERT_TRUE(range.ok());
    EXPECT_EQ(seqs_of(*range), iota(1, range->latest_seq));
}

}  // namespace
}  // namespace muster::store
