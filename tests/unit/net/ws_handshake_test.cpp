#include "net/ws_handshake.hpp"

#include <array>

#include <gtest/gtest.h>

namespace muster::net {
namespace {

constexpr std::array<std::string_view, 2> supported{"muster.v1.proto", "muster.v1.json"};

UpgradeRequest valid_request() {
    return {"GET", "websocket", "keep-alive, Upgrade", "dGhlIHNhbXBsZSBub25jZQ==", "13", ""};
}

TEST(WsHandshake, accept_key_matches_rfc6455_example) {
    EXPECT_EQ(websocket_accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WsHandshake, no_subprotocol_offered_is_accepted_without_one) {
    const auto d = decide_upgrade(valid_request(), supported);
    ASSERT_TRUE(d.accepted) << d.error;
    EXPECT_EQ(d.protocol, "");
    EXPECT_NE(d.response.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
              std::string::npos);
    EXPECT_EQ(d.response.find("Sec-WebSocket-Protocol"), std::string::npos);
}

TEST(WsHandshake, picks_our_preferred_offered_subprotocol) {
    auto request = valid_request();
    request.protocols = "chat, muster.v1.json,muster.v1.proto";
    const auto d = decide_upgrade(request, supported);
    ASSERT_TRUE(d.accepted);
    EXPECT_EQ(d.protocol, "muster.v1.proto");
    EXPECT_NE(d.response.find("Sec-WebSocket-Protocol: muster.v1.proto\r\n"), std::string::npos);
}

TEST(WsHandshake, only_unknown_subprotocols_are_refused) {
    auto request = valid_request();
    request.protocols = "graphql-ws";
    EXPECT_FALSE(decide_upgrade(request, supported).accepted);
}

TEST(WsHandshake, malformed_requests_are_refused_with_a_reason) {
    auto no_upgrade = valid_request();
    no_upgrade.upgrade = "h2c";
    EXPECT_FALSE(decide_upgrade(no_upgrade, supported).accepted);
    auto old_version = valid_request();
    old_version.version = "8";
    EXPECT_NE(decide_upgrade(old_version, supported).error.find("13"), std::string::npos);
    auto bad_key = valid_request();
    bad_key.key = "short";
    EXPECT_FALSE(decide_upgrade(bad_key, supported).accepted);
    auto post = valid_request();
    post.method = "POST";
    EXPECT_FALSE(decide_upgrade(post, supported).accepted);
}

}  // namespace
}  // namespace muster::net
