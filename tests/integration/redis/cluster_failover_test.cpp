// A Redis Cluster loses the master that holds a group (SIGKILL) while two nodes chat in it:
// its replica is promoted, the nodes find the new master by themselves, publishing goes on
// (UNAVAILABLE meanwhile, retried with the same client_msg_id), and nothing that was
// acknowledged is lost or stored twice (an append is acknowledged once a replica has it:
// redis.cluster_wait_replicas).

#include <map>

#include "cluster_fixture.hpp"

namespace muster::test {
namespace {

using namespace std::chrono_literals;

// Its own cluster: this test kills one of its nodes.
class RedisClusterFailoverTest : public ClusterTest {
  protected:
    void SetUp() override {
        MUSTER_REQUIRE_REDIS_CLUSTER();
        ASSERT_TRUE(own_.start());
        cluster_ = &own_;
        key_prefix_ = "f";
    }

    // The slot of a key, as the cluster computes it.
    unsigned keyslot(const std::string& key) {
        const auto reply = own_.call(0, {"CLUSTER", "KEYSLOT", key});
        EXPECT_TRUE(reply && reply->kind == Resp::Kind::integer);
        return reply ? static_cast<unsigned>(reply->integer) : 0;
    }

    RedisCluster own_;
};

std::vector<std::uint64_t> iota(std::uint64_t first, std::uint64_t last) {
    std::vector<std::uint64_t> out;
    for (auto s = first; s <= last; ++s) out.push_back(s);
    return out;
}

TEST_F(RedisClusterFailoverTest,
       the_groups_master_killed_its_replica_takes_over_and_nothing_acked_is_lost) {
    const auto doomed = own_.master_of(keyslot("f:{g:g}:seq"));
    ASSERT_TRUE(doomed.has_value());
    // The nodes are given another master's address (the bus stays on that node).
    for (const unsigned slot : {0U, 8000U, 16000U}) {
        const auto master = own_.master_of(slot);
        if (master && *master != *doomed) url_override_ = own_.node(*master).url();
    }
    ASSERT_FALSE(url_override_.empty());
    // Commands wait out the failover (about 2 s with cluster-node-timeout 1000).
    start_nodes(2, {"--redis.command_timeout_ms=8000", "--redis.cluster_retry_ms=100"});
    group_with("g", {"pat", "sue", "rita"});
    auto sue = TestClient::connect(node(1), "sue");  // stays connected throughout
    sue.subscribe("g", 0);
    auto rita = TestClient::connect(node(0), "rita");  // drops, resumes on the other node
    rita.subscribe("g", 0);

    constexpr int count = 400;
    Publisher pat(node(0), "pat", "g", "m", count, 4, 2ms);
    ASSERT_TRUE(poll_until([&] { return pat.acked() >= 100; }).has_value()) << pat.error();
    std::uint64_t rita_last = 0;
    while (rita_last < 50) rita_last = rita.next_log_event().seq();

    const auto killed_at = std::chrono::steady_clock::now();
    const int acked_at_kill = pat.acked();
    own_.node(*doomed).kill();
    rita.abort();
    ASSERT_TRUE(own_.await_ok());
    const auto promoted = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - killed_at);
    EXPECT_NE(own_.master_of(keyslot("f:{g:g}:seq")), doomed);

    pat.join();
    ASSERT_TRUE(pat.ok()) << pat.error();
    std::cout << "[ measured ] " << acked_at_kill << " of " << count
              << " acknowledged at the kill; the cluster was ok again after " << promoted.count()
              << " ms; the publisher saw " << pat.unavailable() << " UNAVAILABLE replies\n";
    EXPECT_LT(acked_at_kill, count) << "publishing went on after the kill";

    std::map<std::uint64_t, std::string> text_of;
    for (const auto& ack : pat.acks()) {
        EXPECT_TRUE(text_of.emplace(ack.seq, ack.text).second) << "seq " << ack.seq << " twice";
    }
    ASSERT_EQ(text_of.size(), static_cast<std::size_t>(count));
    const std::uint64_t last = text_of.rbegin()->first;
    EXPECT_EQ(last, static_cast<std::uint64_t>(count)) << "a retry was stored twice";

    // Sue never disconnected: every acknowledged event, with its text, in order.
    std::vector<std::uint64_t> sue_got;
    for (std::uint64_t seq = 1; seq <= last; ++seq) {
        const v1::Event event = sue.next_log_event();
        sue_got.push_back(event.seq());
        if (event.seq() != seq) break;
        EXPECT_EQ(event.chat().text(), text_of[seq]) << "acknowledged event " << seq;
    }
    EXPECT_EQ(sue_got, iota(1, last));

    // Rita resumes on the other node from the last seq she saw.
    auto back = TestClient::connect(node(1), "rita");
    const auto reply = back.subscribe("g", rita_last);
    EXPECT_TRUE(reply.recovered());
    EXPECT_EQ(reply.latest_seq(), last);
    std::vector<std::uint64_t> rita_got;
    while (rita_got.empty() || rita_got.back() < last) {
        rita_got.push_back(back.next_log_event().seq());
    }
    EXPECT_EQ(rita_got, iota(rita_last + 1, last));

    // New messages after the failover reach both, live.
    auto marker_client = TestClient::connect(node(0), "pat");
    const auto marker = marker_client.publish("g", "marker").seq();
    EXPECT_EQ(sue.next_log_event().seq(), marker);
    EXPECT_EQ(back.next_log_event().seq(), marker);
}

}  // namespace
}  // namespace muster::test
