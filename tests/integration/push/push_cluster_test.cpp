// Push delivery with several nodes on one Redis: presence on any node stops a push, and the
// lease per intent keeps two workers from sending one intent at the same time.

#include <set>

#include "push_fixture.hpp"

namespace muster::test {
namespace {

class PushClusterTest : public testing::Test {
  protected:
    void SetUp() override {
        MUSTER_REQUIRE_REDIS();
        ASSERT_TRUE(redis_.start());
    }

    ServerProcess& start_node(bool worker) {
        ServerOptions options;
        options.args = push_args(vapid_);
        options.args.push_back("--redis.url=" + redis_.url());
        options.args.push_back("--server.node_id=n" + std::to_string(nodes_.size()));
        options.args.push_back(std::string("--push.worker=") + (worker ? "true" : "false"));
        nodes_.push_back(std::make_unique<ServerProcess>(std::move(options)));
        EXPECT_TRUE(nodes_.back()->start());
        return *nodes_.back();
    }

    // Bounded wait for the shared outbox to empty.
    static bool outbox_empties(const ServerProcess& node) {
        const auto deadline = std::chrono::steady_clock::now() + default_wait;
        while (std::chrono::steady_clock::now() < deadline) {
            if (admin_http(node, "GET", "/api/v1/push/outbox").body == R"({"intents":[]})")
                return true;
        }
        return false;
    }

    TempDir keys_;
    std::filesystem::path vapid_ = make_vapid_key(keys_.path());
    RedisProcess redis_;
    FakePush fake_;
    std::vector<std::unique_ptr<ServerProcess>> nodes_;
};

TEST_F(PushClusterTest, no_push_to_a_user_online_on_another_node) {
    auto& a = start_node(false);
    auto& b = start_node(false);
    organise(a);
    register_device(a, "liming", "phone", webpush_spec(fake_, "/webpush/ok/liming"));
    register_device(a, "zhangfang", "phone", webpush_spec(fake_, "/webpush/ok/zhangfang"));
    create_call(a, 2, true, now_ms() + 3600000);  // both offline: an intent each

    // liming opens the app on node b; node a's worker then finds them online there.
    auto liming = TestClient::connect(b, "liming");
    a.set_option("push.worker", "true");
    ASSERT_TRUE(a.restart());
    fake_.wait_events(
        [](const json::object& e) { return FakePush::to_path(e, "/webpush/ok/zhangfang"); }, 1);
    ASSERT_TRUE(outbox_empties(a));
    EXPECT_TRUE(fake_
                    .events([](const json::object& e) {
                        return FakePush::to_path(e, "/webpush/ok/liming");
                    })
                    .empty())
        << fake_.output();
    const auto metrics = http_call(a, "GET", "/metrics");
    EXPECT_NE(metrics.body.find("muster_push_skipped_online_total 1"), std::string::npos);
}

TEST_F(PushClusterTest, two_workers_never_send_one_intent_at_the_same_time) {
    auto& a = start_node(true);
    start_node(true);
    organise(a);
    constexpr int members = 12;
    for (int i = 0; i < members; ++i) {
        const std::string user = "m" + std::to_string(i);
        add_member(a, "chonghua", user);
        // The fake answers these after 300 ms and reports any second request for the same
        // intent while the first is unanswered.
        register_device(a, user, "phone", webpush_spec(fake_, "/webpush/slow/" + user));
    }
    create_call(a, members, true, now_ms() + 3600000);
    auto slow = [](const json::object& e) {
        const auto* p = e.if_contains("path");
        return p != nullptr && std::string_view(p->as_string()).starts_with("/webpush/slow/");
    };
    const auto got = fake_.wait_events(slow, members);
    ASSERT_TRUE(outbox_empties(a));
    std::set<std::string> intents;
    for (const auto& e : fake_.events(slow)) {
        EXPECT_EQ(e.at("status").to_number<int>(), 201) << json::serialize(e);
        intents.insert(data_field(e, "intent"));
    }
    EXPECT_EQ(intents.size(), static_cast<std::size_t>(members));
    EXPECT_EQ(fake_.events(slow).size(), static_cast<std::size_t>(members)) << fake_.output();
    EXPECT_TRUE(
        fake_.events([](const json::object& e) { return e.at("event").as_string() == "overlap"; })
            .empty())
        << fake_.output();
}

}  // namespace
}  // namespace muster::test
