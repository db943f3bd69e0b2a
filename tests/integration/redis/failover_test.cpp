// A node dies (SIGKILL) while its clients are subscribed and others keep publishing on other
// nodes: the clients reconnect to another node with `since` and receive every event they
// missed exactly once, in order.

#include "cluster_fixture.hpp"

namespace muster::test {
namespace {

using namespace std::chrono_literals;

class FailoverTest : public TopologyTest {};

// Reads what the dead node had sent before it died, until the connection reports its end.
void drain_until_closed(TestClient& client, std::vector<std::uint64_t>& seqs) {
    for (;;) {
        auto event = client.session().next_event(std::chrono::seconds(10));
        if (!event) return;
        if (event->seq() != 0) seqs.push_back(event->seq());
    }
}

std::vector<std::uint64_t> iota(std::uint64_t first, std::uint64_t last) {
    std::vector<std::uint64_t> out;
    for (auto s = first; s <= last; ++s) out.push_back(s);
    return out;
}

TEST_P(FailoverTest, clients_of_a_killed_node_resume_elsewhere_and_get_every_missed_event_once) {
    start_nodes(3);
    group_with("g", {"pa", "pc", "bob1", "bob2"});
    auto bob1 = TestClient::connect(node(1), "bob1");
    bob1.subscribe("g", 0);
    auto bob2 = TestClient::connect(node(1), "bob2", {.encoding = client::Encoding::json});
    bob2.subscribe("g", 0);

    constexpr int per_publisher = 300;
    constexpr std::uint64_t total = 2 * per_publisher;
    Publisher pa(node(0), "pa", "g", "a-", per_publisher, 4, 2ms);
    Publisher pc(node(2), "pc", "g", "c-", per_publisher, 4, 2ms);

    std::vector<std::uint64_t> got1;
    std::vector<std::uint64_t> got2;
    for (int i = 0; i < 30; ++i) {
        got1.push_back(bob1.next_log_event().seq());
        got2.push_back(bob2.next_log_event().seq());
    }
    node(1).kill();
    const int acked_at_kill = pa.acked() + pc.acked();
    drain_until_closed(bob1, got1);
    drain_until_closed(bob2, got2);

    // Back, each on another node, from the last seq each saw.
    auto resumed1 = TestClient::connect(node(0), "bob1");
    const auto reply1 = resumed1.subscribe("g", got1.back());
    EXPECT_TRUE(reply1.recovered());
    auto resumed2 = TestClient::connect(node(2), "bob2", {.encoding = client::Encoding::json});
    const auto reply2 = resumed2.subscribe("g", got2.back());
    EXPECT_TRUE(reply2.recovered());

    pa.join();
    pc.join();
    ASSERT_TRUE(pa.ok()) << pa.error();
    ASSERT_TRUE(pc.ok()) << pc.error();
    std::cout << "[ measured ] " << acked_at_kill << " of " << total
              << " events acknowledged when the node was killed; bob1 had " << got1.size()
              << ", bob2 " << got2.size() << "\n";
    EXPECT_LT(acked_at_kill, static_cast<int>(total)) << "publishing went on after the kill";

    while (got1.back() < total) got1.push_back(resumed1.next_log_event().seq());
    while (got2.back() < total) got2.push_back(resumed2.next_log_event().seq());
    EXPECT_EQ(got1, iota(1, total)) << "bob1: every event once, in order";
    EXPECT_EQ(got2, iota(1, total)) << "bob2: every event once, in order";

    // Nothing more is pending for either: the next event is a fresh marker.
    auto marker_client = TestClient::connect(node(2), "pc");
    const auto marker = marker_client.publish("g", "marker").seq();
    EXPECT_EQ(resumed1.next_log_event().seq(), marker);
    EXPECT_EQ(resumed2.next_log_event().seq(), marker);
}

INSTANTIATE_TEST_SUITE_P(Redis, FailoverTest, each_topology(), topology_name);

}  // namespace
}  // namespace muster::test
