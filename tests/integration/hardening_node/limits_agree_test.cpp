// Limits that agree with each other, and start-up refusals of configurations that would not.

#include <fstream>

#include "hardening_fixture.hpp"

namespace muster::test {
namespace {

class LimitsAgreeTest : public HardeningTest {};

// An organisation of `count` groups with `user` a member of each, as demo data (one file
// loaded at start instead of hundreds of HTTP calls).
std::filesystem::path organisation(const TempDir& dir, int count, const std::string& user) {
    const auto path = dir.path() / "organisation.json";
    std::ofstream out(path);
    out << R"({"groups": [{"id": "district"})";
    for (int i = 0; i < count; ++i)
        out << R"(, {"id": "org-)" << i << R"(", "parent": "district"})";
    out << R"(], "members": [)";
    for (int i = 0; i < count; ++i) {
        out << (i == 0 ? "" : ", ") << R"({"group": "org-)" << i << R"(", "user": ")" << user
            << R"("})";
    }
    out << "]}";
    return path;
}

// A coordinator app subscribes to every group of a sub-district at connect: with the default
// limits, up to limits.max_subscriptions (256) subscriptions are never rate-limited.
TEST_P(LimitsAgreeTest, subscribing_up_to_the_cap_is_never_rate_limited) {
    TempDir dir;
    start({"--server.demo_data=" + organisation(dir, 256, "coordinator").string()});
    // connect takes one token of the burst; the subscriptions follow at once, unanswered yet.
    auto app = TestClient::connect(server(), "coordinator");
    for (int i = 0; i < 256; ++i) {
        auto frame = subscribe_frame("org-" + std::to_string(i));
        frame.set_id(static_cast<std::uint32_t>(i + 2));
        ASSERT_TRUE(app.session().send(frame));
    }
    int subscribed = 0;
    while (subscribed < 256) {
        auto frame = app.connection().receive(default_wait);
        ASSERT_TRUE(frame) << frame.failure().describe() << " after " << subscribed;
        if (frame->has_error()) FAIL() << "error: " << frame->error().ShortDebugString();
        if (frame->has_subscribe()) ++subscribed;
    }
    // One more command still fits the burst's headroom.
    EXPECT_TRUE(app.presence("org-0").users_size() >= 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, LimitsAgreeTest, testing::Values(Backend::embedded),
                         backend_name);

// The start-up checks need no backend: the node refuses before opening any.
std::string refused_start(std::vector<std::string> args,
                          std::string secret = "muster-test-secret") {
    ServerOptions options;
    options.args = std::move(args);
    options.jwt_secret = std::move(secret);
    options.ready_timeout = std::chrono::milliseconds(15000);
    ServerProcess node(std::move(options));
    const auto started = node.start();
    EXPECT_FALSE(started) << "musterd started";
    return node.log_text();
}

TEST(StartupChecks, a_contradicting_command_burst_is_refused) {
    const std::string log =
        refused_start({"--limits.command_burst=100", "--limits.max_subscriptions=256"});
    EXPECT_NE(log.find("limits.command_burst"), std::string::npos) << log;
}

TEST(StartupChecks, a_short_secret_is_refused_off_loopback) {
    // Refused before it binds: nothing listens on 0.0.0.0.
    const std::string log = refused_start({"--server.listen=0.0.0.0:0"}, "short-secret");
    EXPECT_NE(log.find("auth.jwt_secret"), std::string::npos) << log;
    EXPECT_NE(log.find("32 bytes"), std::string::npos) << log;
}

TEST(StartupChecks, the_sample_secret_is_refused_off_loopback) {
    const std::string log =
        refused_start({"--server.listen=0.0.0.0:0"}, "CHANGE-ME-to-something-at-least-32-bytes");
    EXPECT_NE(log.find("sample"), std::string::npos) << log;
}

// A token's sub and name are bounded and checked like any id and any name.
TEST_P(LimitsAgreeTest, token_sub_and_name_are_validated) {
    start();
    const auto refused = [&](const client::TokenSpec& spec) {
        auto c = TestClient::open(server());
        v1::ClientFrame connect;
        connect.mutable_connect()->set_token(server().token(spec));
        return c.expect_error(connect, v1::Error::UNAUTHENTICATED).message();
    };
    EXPECT_NE(refused({.user = "../admin"}).find("sub"), std::string::npos);
    EXPECT_NE(refused({.user = "a/b"}).find("sub"), std::string::npos);
    EXPECT_NE(refused({.user = "line\nbreak"}).find("sub"), std::string::npos);
    EXPECT_NE(refused({.user = std::string(129, 'u')}).find("sub"), std::string::npos);
    EXPECT_NE(refused({.user = "alice", .name = std::string(40000, 'n')}).find("name"),
              std::string::npos);
    EXPECT_NE(refused({.user = "alice", .name = "两行\n名字"}).find("name"), std::string::npos);
    // Over HTTP too.
    const auto http = http_call(server(), "GET", "/api/v1/groups", {},
                                server().token(client::TokenSpec{.user = "../admin"}));
    EXPECT_EQ(http.status, 401);
    // A Chinese name of ordinary length is fine.
    auto ok = TestClient::connect(server(), "alice", {.name = "王晓光"});
    EXPECT_EQ(ok.connect_reply().user_id(), "alice");
}

}  // namespace
}  // namespace muster::test
