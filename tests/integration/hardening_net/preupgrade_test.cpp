// Connections before the WebSocket upgrade are capped: idle sockets cannot take every
// descriptor, /healthz still answers, and the connection idle the longest is closed first.
// New connections and handshakes per client address are rate-limited.

#include "net_fixture.hpp"

namespace muster::test {
namespace {

class PreUpgradeTest : public NetTest {};

constexpr int cap = 8;

TEST_F(PreUpgradeTest, idle_sockets_at_the_cap_leave_healthz_answering_oldest_closed_first) {
    start({"--limits.max_http_connections=" + std::to_string(cap)});
    std::vector<std::unique_ptr<IdleSocket>> idle;
    for (int i = 0; i < cap; ++i) {
        idle.push_back(std::make_unique<IdleSocket>(server().host(), server().port()));
        ASSERT_TRUE(idle.back()->connected());
    }
    const std::string healthz = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    // The newcomer is accepted after the idle ones (the accept queue is in order): it takes
    // the place of the one idle the longest, and is answered.
    const RawHttp reply = raw_http(server(), healthz);
    EXPECT_EQ(reply.statuses(), std::vector<int>{200}) << reply.all;
    EXPECT_TRUE(idle[0]->closed_by_peer(default_wait));
    for (int i = 1; i < cap; ++i) EXPECT_TRUE(idle[i]->open_now()) << "socket " << i;

    // Full again: the next newcomer closes the next oldest. (The answered health check may
    // still be counted for a moment, so the one after that may go too: never a younger one.)
    idle.push_back(std::make_unique<IdleSocket>(server().host(), server().port()));
    const RawHttp again = raw_http(server(), healthz);
    EXPECT_EQ(again.statuses(), std::vector<int>{200}) << again.all;
    EXPECT_TRUE(idle[1]->closed_by_peer(default_wait));
    for (int i = 3; i <= cap; ++i) EXPECT_TRUE(idle[i]->open_now()) << "socket " << i;
}

TEST_F(PreUpgradeTest, new_connections_per_address_are_rate_limited_with_429) {
    start({"--limits.per_ip_limits_on_loopback=true",
           "--limits.connections_per_ip_per_second=0.001", "--limits.connection_burst_per_ip=3"});
    const std::string healthz = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(raw_http(server(), healthz).statuses(), std::vector<int>{200});
    const RawHttp refused = raw_http(server(), healthz);
    EXPECT_EQ(refused.statuses(), std::vector<int>{429}) << refused.all;
    EXPECT_NE(refused.all.find("RATE_LIMITED"), std::string::npos);
    EXPECT_TRUE(refused.eof);
}

TEST_F(PreUpgradeTest, loopback_is_exempt_unless_configured) {
    start({"--limits.connections_per_ip_per_second=0.001", "--limits.connection_burst_per_ip=1",
           "--limits.handshakes_per_ip_per_second=0.001", "--limits.handshake_burst_per_ip=1"});
    const std::string healthz = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(raw_http(server(), healthz).statuses(), std::vector<int>{200});
    for (int i = 0; i < 3; ++i) raw_ws();  // each handshake answered 101
}

TEST_F(PreUpgradeTest, websocket_handshakes_per_address_are_rate_limited_with_429) {
    start({"--limits.per_ip_limits_on_loopback=true", "--limits.handshakes_per_ip_per_second=0.001",
           "--limits.handshake_burst_per_ip=2"});
    auto first = raw_ws();
    auto second = raw_ws();
    RawSocket third(server().host(), server().port());
    const std::string response = third.handshake();
    EXPECT_NE(response.find("HTTP/1.1 429"), std::string::npos) << response;
}

}  // namespace
}  // namespace muster::test
