// The bus on a Redis Cluster uses sharded pub/sub: each group's channel is SSUBSCRIBEd on the
// master that owns its slot (and nowhere else), nothing is SUBSCRIBEd, and publications are
// SPUBLISHed. And the bus does not hang on the node named by redis.url: that node (a master
// with a replica) is killed while two musterd nodes chat, and chat, fan-out and control
// messages go on after the failover, with nothing lost for a reader that stayed connected.

#include <map>
#include <set>

#include "cluster_fixture.hpp"
#include "redis/cluster_map.hpp"
#include "redis/keys.hpp"

namespace muster::test {
namespace {

using namespace std::chrono_literals;

// The first group name "<stem><n>" whose slot the cluster gives to master `master`.
std::string group_on(RedisCluster& cluster, const std::string& key_prefix, std::size_t master,
                     const std::string& stem) {
    const redis::Keys keys(key_prefix);
    for (int n = 0; n < 1000; ++n) {
        const std::string group = stem + std::to_string(n);
        if (cluster.master_of(redis::hash_slot(keys.group_channel(group))) == master) return group;
    }
    ADD_FAILURE() << "no group name on master " << master;
    return {};
}

// The masters of a cluster, in index order.
std::vector<std::size_t> masters_of(RedisCluster& cluster) {
    std::set<std::size_t> masters;
    for (unsigned slot = 0; slot < redis::cluster_slots; slot += 512) {
        if (const auto master = cluster.master_of(slot)) masters.insert(*master);
    }
    return {masters.begin(), masters.end()};
}

// A PUBSUB <sub> <channels...> answer on node i: channel -> subscriber count.
std::map<std::string, std::int64_t> numsub(RedisCluster& cluster, std::size_t i,
                                           const std::string& sub,
                                           const std::vector<std::string>& channels) {
    std::vector<std::string> args{"PUBSUB", sub};
    args.insert(args.end(), channels.begin(), channels.end());
    std::map<std::string, std::int64_t> out;
    const auto reply = cluster.call(i, args);
    if (!reply || reply->kind != Resp::Kind::array) return out;
    for (std::size_t at = 0; at + 1 < reply->elements.size(); at += 2) {
        out[reply->elements[at].str] = reply->elements[at + 1].integer;
    }
    return out;
}

// -1 when the channel is not in the answer (no answer at all, say).
std::int64_t count_of(const std::map<std::string, std::int64_t>& counts,
                      const std::string& channel) {
    const auto it = counts.find(channel);
    return it != counts.end() ? it->second : -1;
}

class ShardedBusTest : public ClusterTest {
  protected:
    [[nodiscard]] bool on_cluster() const override { return true; }
};

TEST_F(ShardedBusTest, each_master_carries_only_its_own_groups_channels) {
    const auto masters = masters_of(*cluster_);
    ASSERT_EQ(masters.size(), 3U);
    start_nodes(2);
    const redis::Keys keys(key_prefix_);
    std::vector<std::string> groups;
    std::vector<std::string> channels;
    for (const std::size_t master : masters) {
        groups.push_back(group_on(*cluster_, key_prefix_, master, "s"));
        channels.push_back(keys.group_channel(groups.back()));
    }
    std::vector<std::unique_ptr<TestClient>> readers;
    for (const auto& group : groups) {
        group_with(group, {"pat", "sue", "rita"});
        // A reader of every group on both nodes: each node's bus subscribes each channel.
        readers.push_back(std::make_unique<TestClient>(TestClient::connect(node(0), "rita")));
        readers.back()->subscribe(group, 0);
        readers.push_back(std::make_unique<TestClient>(TestClient::connect(node(1), "sue")));
        readers.back()->subscribe(group, 0);
    }

    // A subscribe reply means the node's subscription is confirmed: no waiting needed.
    for (std::size_t m = 0; m < masters.size(); ++m) {
        const auto shard = numsub(*cluster_, masters[m], "SHARDNUMSUB", channels);
        const auto plain = numsub(*cluster_, masters[m], "NUMSUB", channels);
        for (std::size_t g = 0; g < groups.size(); ++g) {
            EXPECT_EQ(count_of(shard, channels[g]), g == m ? 2 : 0)
                << "master " << masters[m] << ", group " << groups[g] << " on master "
                << masters[g];
            EXPECT_EQ(count_of(plain, channels[g]), 0) << "a plain SUBSCRIBE of " << channels[g];
        }
    }

    // Each node's bus holds one connection per master, and no plain subscriber at all.
    for (std::size_t i = 0; i < 2; ++i) {
        const std::string metrics = http_call(node(i), "GET", "/metrics").body;
        EXPECT_NE(metrics.find("\nmuster_bus_shard_connections 3\n"), std::string::npos)
            << "node " << i;
        EXPECT_EQ(metrics.find("connection=\"bus-subscribe\""), std::string::npos) << "node " << i;
    }

    // Fan-out across the nodes through each shard: published on one node, heard on both.
    auto pat = TestClient::connect(node(0), "pat");
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const auto seq = pat.publish(groups[g], "hello " + groups[g]).seq();
        for (const std::size_t r : {2 * g, 2 * g + 1}) {
            const auto event = readers[r]->next_log_event();
            EXPECT_EQ(event.seq(), seq);
            EXPECT_EQ(event.chat().text(), "hello " + groups[g]);
        }
    }
}

// Its own cluster: this test kills the node named in redis.url.
class ShardedBusSeedKilledTest : public ClusterTest {
  protected:
    void SetUp() override {
        MUSTER_REQUIRE_REDIS_CLUSTER();
        ASSERT_TRUE(own_.start());
        cluster_ = &own_;
        key_prefix_ = "k";
    }

    RedisCluster own_;
};

TEST_F(ShardedBusSeedKilledTest, the_bus_outlives_the_redis_url_node_and_no_message_is_lost) {
    const auto masters = masters_of(own_);
    ASSERT_EQ(masters.size(), 3U);
    const std::size_t seed = masters[0];
    url_override_ = own_.node(seed).url();
    // One group on the doomed master, one elsewhere.
    const std::string doomed_group = group_on(own_, key_prefix_, seed, "d");
    const std::string other_group = group_on(own_, key_prefix_, masters[1], "o");
    // Commands wait out the failover (about 2 s with cluster-node-timeout 1000).
    start_nodes(2, {"--redis.command_timeout_ms=8000", "--redis.cluster_retry_ms=100"});
    group_with(doomed_group, {"pat", "sue"});
    group_with(other_group, {"pat", "sue"});
    auto sue = TestClient::connect(node(1), "sue");  // stays connected throughout
    sue.subscribe(doomed_group, 0);
    auto sue_other = TestClient::connect(node(1), "sue");
    sue_other.subscribe(other_group, 0);

    constexpr int count = 300;
    Publisher pat(node(0), "pat", doomed_group, "m", count, 4, 2ms);
    ASSERT_TRUE(poll_until([&] { return pat.acked() >= 50; }).has_value()) << pat.error();
    const auto killed_at = std::chrono::steady_clock::now();
    own_.node(seed).kill();
    ASSERT_TRUE(own_.await_ok());
    const auto promoted = std::chrono::steady_clock::now() - killed_at;

    pat.join();
    ASSERT_TRUE(pat.ok()) << pat.error();
    std::map<std::uint64_t, std::string> text_of;
    for (const auto& ack : pat.acks()) text_of.emplace(ack.seq, ack.text);
    ASSERT_EQ(text_of.size(), static_cast<std::size_t>(count));
    const std::uint64_t last = text_of.rbegin()->first;

    // Sue, on the other musterd node, never disconnected: every event, in order, the ones
    // published while her node's bus was moving to the promoted master included.
    for (std::uint64_t seq = 1; seq <= last; ++seq) {
        const v1::Event event = sue.next_log_event();
        ASSERT_EQ(event.seq(), seq);
        EXPECT_EQ(event.chat().text(), text_of[seq]);
    }
    const auto delivered = std::chrono::steady_clock::now();

    // Both nodes are ready again although the redis.url node is gone for good.
    EXPECT_TRUE(poll_until([&] { return readyz(0) == 200 && readyz(1) == 200; }).has_value());
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    std::cout << "[ measured ] the cluster was ok " << duration_cast<milliseconds>(promoted).count()
              << " ms after the redis.url master was killed; all " << last
              << " events, the last ones published after the failover, had been read on the "
                 "other node "
              << duration_cast<milliseconds>(delivered - killed_at).count()
              << " ms after the kill; the publisher saw " << pat.unavailable()
              << " UNAVAILABLE replies\n";

    // Live fan-out in both groups, and a control message (a new group) from node 0 to node 1.
    auto writer = TestClient::connect(node(0), "pat");
    // Each published first, then read: inside one EXPECT_EQ the order of the two calls is
    // unspecified (clang reads first, and the read would wait for a message not yet sent).
    const std::uint64_t doomed_seq = writer.publish(doomed_group, "after").seq();
    EXPECT_EQ(sue.next_log_event().seq(), doomed_seq);
    const std::uint64_t other_seq = writer.publish(other_group, "after").seq();
    EXPECT_EQ(sue_other.next_log_event().seq(), other_seq);
    group_with("late", {"pat"});
}

}  // namespace
}  // namespace muster::test
