// The whole sign-in path on each backend: an invitation, a volunteer signing in with a typed
// name, chat under that name, refresh with rotation, a rotated token presented again (theft
// detected: the session ends, its live connection is closed), revocation by a coordinator.

#include "signin_fixture.hpp"

namespace muster::test {
namespace {

TEST_P(SigninTest, invite_redeem_chat_refresh_reuse_revokes_the_session) {
    start();
    add_member(server(), "g1", "watcher");

    const auto invitation =
        created_invitation(invite("coord", invitation_body("g1", 5, "member", 3600, "门岗志愿者")));
    const std::string code = text_of(invitation, "code");
    // 128 random bits are 22 base64url characters.
    ASSERT_GE(code.size(), 22U);
    EXPECT_EQ(
        code.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos);
    EXPECT_EQ(text_of(invitation, "url"), "http://" + server().endpoint() + "/join/" + code);
    EXPECT_EQ(text_of(invitation, "note"), "门岗志愿者");

    const Redeemed li = redeem(code, "  李明 ");
    ASSERT_EQ(li.status, 201) << li.body;
    EXPECT_EQ(li.user.rfind("u_", 0), 0U) << li.user;
    EXPECT_FALSE(li.session.empty());
    EXPECT_GE(li.refresh.size(), 43U);  // 256 bits

    // In with the access token; the directory's name is on what they send.
    auto watcher = TestClient::connect(server(), "watcher");
    watcher.subscribe("g1");
    auto phone = TestClient::connect(server(), li.user, {.token = li.access});
    EXPECT_EQ(phone.connect_reply().user_id(), li.user);
    phone.publish("g1", "我到了");
    EXPECT_EQ(watcher.expect_chat("g1", "我到了").sender_name(), "李明");

    // Refresh rotates: a new refresh token and a working access token.
    const auto first = refresh(li.refresh);
    ASSERT_EQ(first.status, 200) << first.body;
    const auto rotated = parse_object(first.body);
    const std::string next = text_of(rotated, "refreshToken");
    EXPECT_NE(next, li.refresh);
    auto second_phone =
        TestClient::connect(server(), li.user, {.token = text_of(rotated, "accessToken")});

    // The old token again: theft. The session ends, both connections of it close with 4001,
    // and the newest refresh token is refused too.
    const auto reused = refresh(li.refresh);
    EXPECT_EQ(reused.status, 401) << reused.body;
    phone.expect_closed(4001);
    second_phone.expect_closed(4001);
    EXPECT_EQ(refresh(next).status, 401);
    // Its access tokens are refused from now on.
    EXPECT_EQ(http_call(server(), "GET", "/api/v1/auth/sessions", {}, li.access).status, 401);
}

TEST_P(SigninTest, a_coordinator_revokes_a_device_and_its_connection_closes) {
    start();
    const Redeemed li = redeem(code_for(1), "李明");
    ASSERT_EQ(li.status, 201) << li.body;
    auto phone = TestClient::connect(server(), li.user, {.token = li.access});

    const auto listed = http_call(server(), "GET", "/api/v1/auth/sessions?user=" + li.user, {},
                                  server().token("coord"));
    ASSERT_EQ(listed.status, 200) << listed.body;
    EXPECT_NE(listed.body.find(li.session), std::string::npos);
    EXPECT_NE(listed.body.find("\"deviceName\":\"phone\""), std::string::npos);
    EXPECT_NE(listed.body.find("lastSeenMs"), std::string::npos);

    const auto revoked = http_call(server(), "DELETE", "/api/v1/auth/sessions/" + li.session, {},
                                   server().token("coord"));
    EXPECT_EQ(revoked.status, 204) << revoked.body;
    phone.expect_closed(4001);
    EXPECT_EQ(refresh(li.refresh).status, 401);
    // A new connection with its (unexpired) access token is refused.
    auto again = TestClient::open(server());
    v1::ClientFrame connect;
    connect.mutable_connect()->set_token(li.access);
    again.expect_error(connect, v1::Error::UNAUTHENTICATED);
    // The user signs out no more devices than they had: the list is empty.
    const auto after = http_call(server(), "GET", "/api/v1/auth/sessions?user=" + li.user, {},
                                 server().token("coord"));
    EXPECT_EQ(after.body.find(li.session), std::string::npos) << after.body;
}

TEST_P(SigninTest, the_directory_name_is_shown_whatever_the_token_says) {
    start();
    add_member(server(), "g1", "wangxg", "member", "王晓光");
    add_member(server(), "g1", "watcher");
    auto watcher = TestClient::connect(server(), "watcher");
    watcher.subscribe("g1");
    auto wang = TestClient::connect(server(), "wangxg", {.name = "wangxg"});
    wang.subscribe("g1");
    wang.publish("g1", "收到");
    EXPECT_EQ(watcher.expect_chat("g1", "收到").sender_name(), "王晓光");
    bool listed = false;
    const auto presence = watcher.presence("g1");
    for (const auto& user : presence.users()) {
        if (user.user_id() == "wangxg") {
            EXPECT_EQ(user.name(), "王晓光");
            listed = true;
        }
    }
    EXPECT_TRUE(listed);
}

TEST_P(SigninTest, a_signed_in_user_joins_another_group_as_the_same_user) {
    start();
    create_group(server(), "g2");
    add_member(server(), "g2", "coord2", "coordinator");
    const auto invitation =
        created_invitation(http_call(server(), "POST", "/api/v1/invitations",
                                     invitation_body("g2", 3), server().token("coord2")));
    const Redeemed li = redeem(code_for(1), "李明");
    ASSERT_EQ(li.status, 201);
    const Redeemed again = redeem(text_of(invitation, "code"), "", li.access);
    ASSERT_EQ(again.status, 201) << again.body;
    EXPECT_EQ(again.user, li.user);
    EXPECT_NE(again.session, li.session);
    auto phone = TestClient::connect(server(), li.user, {.token = again.access});
    phone.subscribe("g2");  // a member now
    // An external token's user joins the same way.
    const auto external =
        created_invitation(http_call(server(), "POST", "/api/v1/invitations",
                                     invitation_body("g2", 3), server().token("coord2")));
    const Redeemed alice = redeem(text_of(external, "code"), "", server().token("alice"));
    ASSERT_EQ(alice.status, 201) << alice.body;
    EXPECT_EQ(alice.user, "alice");
}

TEST_P(SigninTest, nothing_secret_reaches_the_log) {
    start();
    const std::string code = code_for(2);
    const Redeemed li = redeem(code, "李明");
    ASSERT_EQ(li.status, 201);
    const auto rotated = parse_object(refresh(li.refresh).body);
    EXPECT_EQ(refresh(li.refresh).status, 401);  // reuse: logged as such
    const std::string log = server().log_text();
    EXPECT_NE(log.find(li.session), std::string::npos) << "the log should name the session";
    for (const std::string& secret : {code, li.refresh, li.access, text_of(rotated, "refreshToken"),
                                      text_of(rotated, "accessToken")}) {
        ASSERT_FALSE(secret.empty());
        EXPECT_EQ(log.find(secret), std::string::npos) << "a secret is in musterd.log";
    }
    const auto metrics = http_call(server(), "GET", "/metrics");
    EXPECT_EQ(metrics.body.find(code), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, SigninTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test
