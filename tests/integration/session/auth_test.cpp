// Who may do what: tokens, membership, the token's groups claim, revocation, admin routes.

#include "session_fixture.hpp"

namespace muster::test {
namespace {

class AuthTest : public SessionTest {};

v1::ClientFrame connect_frame(const std::string& token) {
    v1::ClientFrame frame;
    frame.mutable_connect()->set_token(token);
    return frame;
}

TEST_P(AuthTest, bad_tokens_are_refused_at_connect) {
    start();
    auto client = TestClient::open(server());
    auto error = client.expect_error(connect_frame("not-a-jwt"), v1::Error::UNAUTHENTICATED);
    EXPECT_NE(error.message().find("JWT"), std::string::npos);

    client::TokenSpec forged;
    forged.user = "alice";
    client.expect_error(connect_frame(client::mint_token(forged, "another-secret")),
                        v1::Error::UNAUTHENTICATED);

    client::TokenSpec expired;
    expired.user = "alice";
    expired.expires_at_s = 1'000'000'000;  // 2001
    error = client.expect_error(connect_frame(server().token(expired)), v1::Error::UNAUTHENTICATED);
    EXPECT_NE(error.message().find("expired"), std::string::npos);

    // A good token still works on the same connection afterwards.
    client.send_connect(server().token("alice"));
}

TEST_P(AuthTest, commands_before_connect_are_unauthenticated) {
    start();
    group_with("g", {"alice"});
    auto client = TestClient::open(server());
    client.expect_error(subscribe_frame("g"), v1::Error::UNAUTHENTICATED);
    client.expect_error(publish_frame("g", "hi"), v1::Error::UNAUTHENTICATED);
    const auto reply = client.send_connect(server().token("alice"));
    EXPECT_EQ(reply.user_id(), "alice");
    EXPECT_FALSE(reply.session_id().empty());
    client.expect_error(connect_frame(server().token("alice")),
                        v1::Error::INVALID_ARGUMENT);  // twice
}

TEST_P(AuthTest, non_members_get_forbidden_and_unknown_groups_not_found) {
    start();
    group_with("chonghua", {"alice"});
    auto mallory = TestClient::connect(server(), "mallory");
    mallory.expect_error(subscribe_frame("chonghua"), v1::Error::FORBIDDEN);
    mallory.expect_error(publish_frame("chonghua", "let me in"), v1::Error::FORBIDDEN);
    v1::ClientFrame history;
    history.mutable_history()->set_group("chonghua");
    mallory.expect_error(history, v1::Error::FORBIDDEN);
    mallory.expect_error(subscribe_frame("no-such-group"), v1::Error::NOT_FOUND);
    EXPECT_EQ(
        http_call(server(), "GET", "/api/v1/groups/chonghua/events", {}, server().token("mallory"))
            .status,
        403);
}

TEST_P(AuthTest, token_groups_claim_grants_membership) {
    start();
    create_group(server(), "visitors");
    auto guest = TestClient::connect(server(), "guest", {.groups = {"visitors"}});
    guest.subscribe("visitors");
    guest.publish("visitors", "hello");
    guest.expect_chat("visitors", "hello");
}

TEST_P(AuthTest, coordinator_of_a_parent_group_may_use_its_subgroups) {
    start();
    create_group(server(), "njxl");
    create_group(server(), "chonghua", "重华", "njxl");
    add_member(server(), "njxl", "zhouli", "coordinator");
    auto zhouli = TestClient::connect(server(), "zhouli");
    zhouli.subscribe("chonghua");
    // And may add members there over HTTP, but not elsewhere.
    EXPECT_EQ(http_call(server(), "PUT", "/api/v1/groups/chonghua/members/liming",
                        R"({"role":"member"})", server().token("zhouli"))
                  .status,
              200);
    create_group(server(), "elsewhere");
    EXPECT_EQ(http_call(server(), "PUT", "/api/v1/groups/elsewhere/members/liming", "{}",
                        server().token("zhouli"))
                  .status,
              403);
}

TEST_P(AuthTest, removed_member_loses_the_subscription_at_once) {
    start();
    group_with("g", {"alice", "bob"});
    group_with("other", {"alice", "bob"});
    auto alice = TestClient::connect(server(), "alice");
    auto bob = TestClient::connect(server(), "bob");
    bob.subscribe("g");
    bob.subscribe("other");
    ASSERT_EQ(admin_http(server(), "DELETE", "/api/v1/groups/g/members/bob").status, 204);
    // Bob is told (presence notices may come first), then hears nothing more from g.
    for (;;) {
        const auto push = bob.session().next_push(default_wait);
        ASSERT_TRUE(push) << push.failure().describe();
        if (push->has_event() && push->event().has_presence()) continue;
        ASSERT_TRUE(push->has_error()) << push->DebugString();
        EXPECT_EQ(push->error().code(), v1::Error::FORBIDDEN);
        break;
    }
    alice.publish("g", "after removal");
    bob.expect_quiet(alice, "other");
    bob.expect_error(subscribe_frame("g"), v1::Error::FORBIDDEN);
}

TEST_P(AuthTest, expired_token_closes_the_connection_unless_refreshed) {
    start({"--debug.manual_clock=true"});
    group_with("g", {"alice"});
    client::TokenSpec spec;
    spec.user = "alice";
    spec.ttl = std::chrono::seconds(60);
    auto alice = TestClient::connect(server(), "alice", {.token = server().token(spec)});
    alice.subscribe("g");

    // Refresh with a token valid for an hour, then move past the first one's expiry.
    spec.ttl = std::chrono::seconds(3600);
    v1::ClientFrame refresh;
    refresh.mutable_refresh()->set_token(server().token(spec));
    const auto refreshed = alice.expect_reply(refresh);
    EXPECT_GT(refreshed.refresh().expires_at_ms(), alice.connect_reply().expires_at_ms());
    ASSERT_EQ(admin_http(server(), "POST", "/api/v1/debug/clock?advance_ms=120000").status, 200);
    alice.publish("g", "still here");  // a command checks the token at once

    // A refresh for someone else is refused.
    client::TokenSpec other;
    other.user = "mallory";
    refresh.mutable_refresh()->set_token(server().token(other));
    alice.expect_error(refresh, v1::Error::UNAUTHENTICATED);

    // Past the refreshed expiry: an error, then close 4001.
    ASSERT_EQ(admin_http(server(), "POST", "/api/v1/debug/clock?advance_ms=3600000").status, 200);
    alice.expect_error(publish_frame("g", "too late"), v1::Error::UNAUTHENTICATED);
    alice.expect_closed(4001);
}

TEST_P(AuthTest, http_admin_routes_need_an_admin) {
    start();
    EXPECT_EQ(http_call(server(), "PUT", "/api/v1/groups/g", R"({"name":"G"})").status, 401);
    EXPECT_EQ(
        http_call(server(), "PUT", "/api/v1/groups/g", R"({"name":"G"})", server().token("alice"))
            .status,
        403);
    const auto created = admin_http(server(), "PUT", "/api/v1/groups/g", R"({"name":"重华"})");
    EXPECT_EQ(created.status, 200);
    EXPECT_EQ(created.body, R"({"id":"g","name":"重华"})");
    EXPECT_EQ(admin_http(server(), "PUT", "/api/v1/groups/child", R"({"parent":"missing"})").status,
              404);
    EXPECT_EQ(
        admin_http(server(), "PUT", "/api/v1/groups/g/members/bob", R"({"role":"king"})").status,
        400);
    const auto error = http_call(server(), "GET", "/api/v1/groups", {}, "Bearer-less");
    EXPECT_EQ(error.status, 401);
    EXPECT_NE(error.body.find(R"("code":"UNAUTHENTICATED")"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuthTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test
