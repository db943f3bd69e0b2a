// validate(): limits that contradict each other and secrets anyone could guess are refused
// at start, with a message naming the key.

#include "core/config.hpp"

#include <gtest/gtest.h>

namespace muster {
namespace {

Config with_secret(std::string listen, std::string secret) {
    Config c;
    c.server.listen = std::move(listen);
    c.auth.jwt_secret = std::move(secret);
    return c;
}

const std::string strong_secret = "Zq8vN1xR4tW7yB0cE3fH6jK9mP2sU5wA8dG1";  // 36 bytes

TEST(Config, defaults_validate) {
    EXPECT_TRUE(validate(with_secret("0.0.0.0:8080", strong_secret)));
}

TEST(Config, default_burst_lets_a_client_subscribe_up_to_its_cap) {
    const LimitsConfig limits;
    EXPECT_GE(limits.command_burst, limits.max_subscriptions + command_burst_headroom);
}

TEST(Config, a_burst_below_the_subscription_cap_is_refused) {
    Config c = with_secret("127.0.0.1:8080", strong_secret);
    c.limits.command_burst = 100;
    c.limits.max_subscriptions = 256;
    const Status s = validate(c);
    ASSERT_FALSE(s);
    EXPECT_NE(s.message().find("limits.command_burst"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("264"), std::string::npos) << s.message();
    c.limits.command_burst = 264;
    EXPECT_TRUE(validate(c));
}

TEST(Config, a_checkpoint_threshold_outside_its_range_is_refused) {
    Config c = with_secret("127.0.0.1:8080", strong_secret);
    c.store.checkpoint_frames = 8;  // a checkpoint after nearly every commit
    const Status s = validate(c);
    ASSERT_FALSE(s);
    EXPECT_NE(s.message().find("store.checkpoint_frames"), std::string::npos) << s.message();
    c.store.checkpoint_frames = 200;
    EXPECT_TRUE(validate(c));
}

TEST(Config, a_short_secret_is_refused_unless_on_loopback) {
    const Status s = validate(with_secret("0.0.0.0:8080", std::string(31, 'k')));
    ASSERT_FALSE(s);
    EXPECT_NE(s.message().find("32 bytes"), std::string::npos) << s.message();
    EXPECT_FALSE(validate(with_secret("[::]:8080", "short")));
    EXPECT_FALSE(validate(with_secret("10.0.0.5:8080", "short")));
    EXPECT_TRUE(validate(with_secret("0.0.0.0:8080", std::string(32, 'k'))));
    EXPECT_TRUE(validate(with_secret("127.0.0.1:8080", "short")));
    EXPECT_TRUE(validate(with_secret("localhost:0", "short")));
    EXPECT_TRUE(validate(with_secret("[::1]:8080", "short")));
}

TEST(Config, the_sample_secret_is_refused_unless_on_loopback) {
    const Status s =
        validate(with_secret("0.0.0.0:8080", "CHANGE-ME-CHANGE-ME-CHANGE-ME-CHANGE-ME"));
    ASSERT_FALSE(s);
    EXPECT_NE(s.message().find("sample"), std::string::npos) << s.message();
    EXPECT_FALSE(validate(with_secret("0.0.0.0:8080", "CHANGE-ME")));
    EXPECT_TRUE(validate(with_secret("127.0.0.1:8080", "muster-dev-secret-change-me")));
}

TEST(Config, loopback_is_told_from_other_addresses) {
    EXPECT_TRUE(listens_on_loopback_only("127.0.0.1:8080"));
    EXPECT_TRUE(listens_on_loopback_only("127.3.2.1:1"));
    EXPECT_TRUE(listens_on_loopback_only("[::1]:8080"));
    EXPECT_FALSE(listens_on_loopback_only("0.0.0.0:8080"));
    EXPECT_FALSE(listens_on_loopback_only("[::]:8080"));
    EXPECT_FALSE(listens_on_loopback_only(":8080"));
    EXPECT_FALSE(listens_on_loopback_only("example.org:8080"));
}

Result<Config> load_file(const std::string& relative) {
    const std::string path = std::string(MUSTER_SOURCE_DIR) + "/" + relative;
    const char* argv[] = {"musterd", "--config", path.c_str()};
    bool help = false;
    std::string help_text;
    return load_config(3, argv, help, help_text);
}

// The systemd sample must be edited before it serves anyone; the development one (`make run`,
// loopback) works as is.
TEST(Config, the_deploy_sample_does_not_work_as_is) {
    auto sample = load_file("deploy/systemd/musterd.conf");
    ASSERT_TRUE(sample) << sample.status().message();
    const Status s = validate(*sample);
    ASSERT_FALSE(s);
    EXPECT_NE(s.message().find("auth.jwt_secret"), std::string::npos) << s.message();

    auto dev = load_file("deploy/muster.dev.conf");
    ASSERT_TRUE(dev) << dev.status().message();
    EXPECT_TRUE(listens_on_loopback_only(dev->server.listen));
    EXPECT_TRUE(validate(*dev)) << validate(*dev).message();
}

}  // namespace
}  // namespace muster
