// Three nodes on one Redis: a group's events reach every subscriber on every node once, in
// the same seq order, whichever node they were published on; presence is decided across
// nodes.

#include <map>

#include "cluster_fixture.hpp"

namespace muster::test {
namespace {

class FanoutTest : public TopologyTest {};

TEST_P(FanoutTest, every_subscriber_on_every_node_gets_every_event_once_in_the_same_seq_order) {
    start_nodes(3);
    std::vector<std::string> members = {"p0", "p1", "p2"};
    for (int i = 0; i < 6; ++i) members.push_back("s" + std::to_string(i));
    group_with("g", members);

    std::vector<TestClient> subscribers;
    for (int i = 0; i < 6; ++i) {
        subscribers.push_back(TestClient::connect(node(i % 3), "s" + std::to_string(i)));
        subscribers.back().subscribe("g", 0);
    }

    constexpr int per_publisher = 200;
    constexpr std::uint64_t total = 3 * per_publisher;
    std::map<std::uint64_t, std::string> text_of;  // what the publishers were told
    {
        std::vector<std::unique_ptr<Publisher>> publishers;
        for (int p = 0; p < 3; ++p) {
            publishers.push_back(std::make_unique<Publisher>(node(p), "p" + std::to_string(p), "g",
                                                             "n" + std::to_string(p) + "-",
                                                             per_publisher));
        }
        for (auto& publisher : publishers) {
            publisher->join();
            ASSERT_TRUE(publisher->ok()) << publisher->error();
            for (const auto& ack : publisher->acks()) {
                EXPECT_TRUE(text_of.emplace(ack.seq, ack.text).second)
                    << "seq " << ack.seq << " given twice";
            }
        }
    }
    ASSERT_EQ(text_of.size(), total);
    EXPECT_EQ(text_of.begin()->first, 1U);
    EXPECT_EQ(text_of.rbegin()->first, total) << "gapless: 1.." << total;

    // One marker after everything: each subscriber's next event after the 600 must be it, so
    // nothing came twice and nothing is left over.
    auto marker_client = TestClient::connect(node(1), "p1");
    const auto marker = marker_client.publish("g", "marker").seq();
    EXPECT_EQ(marker, total + 1);

    for (std::size_t s = 0; s < subscribers.size(); ++s) {
        SCOPED_TRACE("subscriber s" + std::to_string(s) + " on node n" + std::to_string(s % 3));
        for (std::uint64_t seq = 1; seq <= total; ++seq) {
            const v1::Event event = subscribers[s].next_log_event();
            ASSERT_EQ(event.seq(), seq);
            ASSERT_EQ(event.group(), "g");
            ASSERT_EQ(event.chat().text(), text_of[seq]) << "the same event under the same seq";
        }
        EXPECT_EQ(subscribers[s].next_log_event().seq(), marker);
    }
}

// The next presence notice about `user` (others' notices are skipped).
v1::PresenceChange next_presence_of(TestClient& client, const std::string& user) {
    for (;;) {
        const v1::Event event = client.next_event();
        if (event.has_presence() && event.presence().user_id() == user) return event.presence();
    }
}

TEST_P(FanoutTest, a_user_on_two_nodes_is_online_once_and_offline_after_the_last_device) {
    start_nodes(3);
    group_with("g", {"alice", "bob", "carol"});
    auto bob = TestClient::connect(node(2), "bob");
    bob.subscribe("g");
    auto carol = TestClient::connect(node(0), "carol");

    auto alice_phone = TestClient::connect(node(0), "alice");
    alice_phone.subscribe("g");
    EXPECT_TRUE(next_presence_of(bob, "alice").online());
    auto alice_laptop = TestClient::connect(node(1), "alice");
    alice_laptop.subscribe("g");

    for (std::size_t n = 0; n < 3; ++n) {
        std::vector<std::string> online;
        auto& asker = n == 0 ? carol : n == 1 ? alice_laptop : bob;
        const auto reply = asker.presence("g");
        for (const auto& user : reply.users()) online.push_back(user.user_id());
        EXPECT_EQ(online, (std::vector<std::string>{"alice", "bob"})) << "asked on node n" << n;
    }

    alice_phone.close();            // one device left, on another node: still online
    alice_laptop.unsubscribe("g");  // the last one: offline
    const auto change = next_presence_of(bob, "alice");
    EXPECT_FALSE(change.online()) << "no second 'online', no 'offline' while the laptop was there";
    bob.expect_quiet(carol, "g");
}

TEST_P(FanoutTest, a_killed_nodes_users_leave_presence_within_the_ttl) {
    // A TTL short enough for a quick test, long enough that a busy machine's heartbeats
    // (every third of it) keep a live node's users listed.
    start_nodes(2, {"--redis.presence_ttl_s=5"});
    group_with("g", {"alice", "bob"});
    auto bob = TestClient::connect(node(0), "bob");
    bob.subscribe("g");
    auto alice = TestClient::connect(node(1), "alice");
    alice.subscribe("g");
    auto online = [&] {
        std::vector<std::string> users;
        const auto reply = bob.presence("g");
        for (const auto& user : reply.users()) users.push_back(user.user_id());
        return users;
    };
    const auto both = poll_until([&] {
        return online() == std::vector<std::string>{"alice", "bob"};
    });
    ASSERT_TRUE(both.has_value()) << "alice and bob are not both listed";
    node(1).kill();
    const auto gone = poll_until([&] { return online() == std::vector<std::string>{"bob"}; });
    ASSERT_TRUE(gone.has_value()) << "alice is still listed";
    // How soon is speed, not behaviour: printed, not asserted. That a dead node's entries
    // carry a deadline at most one TTL ahead is checked without timing in
    // RedisStoreTest.presence_is_decided_across_nodes_and_a_dead_nodes_users_expire.
    std::cout << "[ measured ] a killed node's user left presence after " << gone->count()
              << " ms (TTL 5000 ms)\n";
}

INSTANTIATE_TEST_SUITE_P(Redis, FanoutTest, each_topology(), topology_name);

}  // namespace
}  // namespace muster::test
