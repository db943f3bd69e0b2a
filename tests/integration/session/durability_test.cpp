// What is acknowledged survives: SIGKILL right after acknowledged publishes loses nothing; a
// SIGTERM tells clients to go elsewhere (1001) and exits cleanly.

#include <csignal>

#include "session_fixture.hpp"

namespace muster::test {
namespace {

class DurabilityTest : public SessionTest {};

TEST_P(DurabilityTest, acknowledged_publishes_survive_sigkill) {
    start(without_rate_limit());
    group_with("g", {"alice"});
    constexpr int count = 500;
    {
        auto alice = TestClient::connect(server(), "alice");
        std::vector<std::uint32_t> ids;
        for (int i = 1; i <= count; ++i)
            ids.push_back(*alice.session().send(publish_frame("g", "m" + std::to_string(i))));
        for (auto id : ids) {
            auto reply = alice.session().await_reply(id);
            ASSERT_TRUE(reply && reply->has_publish());
        }
        const ExitStatus killed = server().kill();  // the instant the last reply arrived
        EXPECT_TRUE(killed.signaled());
        alice.abort();
    }
    ASSERT_TRUE(server().restart());
    auto alice = TestClient::connect(server(), "alice");
    std::vector<std::uint64_t> seqs;
    std::uint64_t after = 0;
    for (;;) {
        const auto page = alice.history("g", after, std::nullopt, 200);
        if (page.events().empty()) break;
        for (const auto& e : page.events()) {
            seqs.push_back(e.seq());
            EXPECT_EQ(e.chat().text(), "m" + std::to_string(e.seq()));
        }
        after = seqs.back();
    }
    ASSERT_EQ(seqs.size(), static_cast<std::size_t>(count));
    EXPECT_EQ(seqs.back(), static_cast<std::uint64_t>(count));
    EXPECT_EQ(alice.publish("g", "after restart").seq(), static_cast<std::uint64_t>(count + 1));
}

TEST_P(DurabilityTest, sigterm_closes_sessions_with_1001_and_exits_cleanly) {
    start();
    group_with("g", {"alice", "bob"});
    auto alice = TestClient::connect(server(), "alice");
    auto bob = TestClient::connect(server(), "bob");
    bob.subscribe("g");
    alice.publish("g", "before shutdown");
    alice.abort();
    server().signal(SIGTERM);
    const auto closed = bob.expect_closed(1001);
    EXPECT_NE(closed.reason.find("shutting down"), std::string::npos);
    const auto exit_status = server().wait_exit(default_wait);
    ASSERT_TRUE(exit_status.has_value()) << "musterd did not exit after SIGTERM";
    EXPECT_TRUE(exit_status->clean()) << exit_status->describe();

    ASSERT_TRUE(server().restart());
    auto bob_again = TestClient::connect(server(), "bob");
    EXPECT_TRUE(bob_again.subscribe("g", 0).recovered());
    EXPECT_EQ(bob_again.next_log_event().chat().text(), "before shutdown");
}

INSTANTIATE_TEST_SUITE_P(Backends, DurabilityTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test
