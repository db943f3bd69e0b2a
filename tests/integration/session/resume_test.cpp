// Resume: a client that lost its connection comes back with `since` and receives every event
// after it exactly once, in order, before anything newer, also while others keep publishing.

#include <atomic>
#include <thread>

#include "session_fixture.hpp"

namespace muster::test {
namespace {

class ResumeTest : public SessionTest {};

TEST_P(ResumeTest, reconnect_with_since_replays_what_was_missed_exactly_once) {
    start();
    group_with("g", {"alice", "bob"});
    auto alice = TestClient::connect(server(), "alice");
    std::uint64_t last_seen = 0;
    {
        auto bob = TestClient::connect(server(), "bob");
        bob.subscribe("g");
        for (int i = 1; i <= 3; ++i) alice.publish("g", "before " + std::to_string(i));
        for (int i = 1; i <= 3; ++i) last_seen = bob.next_log_event().seq();
        bob.abort();  // the phone lost its network
    }
    for (int i = 4; i <= 10; ++i) alice.publish("g", "missed " + std::to_string(i));

    auto bob = TestClient::connect(server(), "bob");
    const auto reply = bob.subscribe("g", last_seen);
    ASSERT_TRUE(reply.has_recovered());
    EXPECT_TRUE(reply.recovered());
    EXPECT_EQ(reply.latest_seq(), 10U);
    for (std::uint64_t seq = 4; seq <= 10; ++seq) {
        const v1::Event event = bob.next_log_event();
        EXPECT_EQ(event.seq(), seq);
        EXPECT_EQ(event.chat().text(), "missed " + std::to_string(seq));
    }
    bob.expect_quiet(alice, "g");  // nothing twice, nothing old
}

TEST_P(ResumeTest, resume_while_others_keep_publishing_misses_and_repeats_nothing) {
    start(without_rate_limit());
    group_with("g", {"alice", "bob"});
    constexpr int total = 1500;
    std::atomic<bool> publisher_ok{true};
    std::string publisher_error;
    // The publisher runs on its own thread with the plain client (gtest helpers are for the
    // test's thread): a window of pipelined publishes, as a busy coordinator's app would.
    std::thread publisher([&] {
        auto session = client::Session::open(server().connect_options());
        if (!session || !session->connect(server().token("alice"))) {
            publisher_ok = false;
            publisher_error = "publisher could not connect";
            return;
        }
        std::vector<std::uint32_t> window;
        for (int i = 1; i <= total; ++i) {
            auto id = session->send(publish_frame("g", "m" + std::to_string(i)));
            if (!id) {
                publisher_ok = false;
                publisher_error = id.failure().describe();
                return;
            }
            window.push_back(*id);
            if (window.size() == 16 || i == total) {
                for (auto pending : window) {
                    auto reply = session->await_reply(pending);
                    if (!reply || !reply->has_publish()) {
                        publisher_ok = false;
                        publisher_error = reply ? "publish refused" : reply.failure().describe();
                        return;
                    }
                }
                window.clear();
            }
        }
    });

    // A failed expectation ends the test by exception: the publisher must be joined anyway.
    struct Join {
        std::thread& thread;
        ~Join() {
            if (thread.joinable()) thread.join();
        }
    } join{publisher};

    std::vector<std::uint64_t> received;
    std::uint64_t last = 0;
    // Four connections in turn, each dropped after a while, each resuming where the last stopped.
    for (int round = 0; round < 4; ++round) {
        auto bob = TestClient::connect(
            server(), "bob",
            {.encoding = round % 2 == 0 ? client::Encoding::proto : client::Encoding::json});
        if (round == 0) {
            bob.subscribe("g", 0);
        } else {
            const auto reply = bob.subscribe("g", last);
            EXPECT_TRUE(reply.recovered());
        }
        for (int i = 0; i < 200; ++i) {
            const std::uint64_t seq = bob.next_log_event().seq();
            received.push_back(seq);
            last = seq;
        }
        bob.abort();
    }
    {
        auto bob = TestClient::connect(server(), "bob");
        bob.subscribe("g", last);
        while (last < total) {
            last = bob.next_log_event().seq();
            received.push_back(last);
        }
    }
    publisher.join();
    ASSERT_TRUE(publisher_ok) << publisher_error;
    ASSERT_EQ(received.size(), static_cast<std::size_t>(total));
    for (std::size_t i = 0; i < received.size(); ++i) ASSERT_EQ(received[i], i + 1) << "at " << i;
}

TEST_P(ResumeTest, connect_with_resume_list_restores_several_groups) {
    start();
    group_with("g1", {"alice", "bob"});
    group_with("g2", {"alice", "bob"});
    auto alice = TestClient::connect(server(), "alice");
    alice.publish("g1", "a1");
    alice.publish("g2", "b1");
    alice.publish("g2", "b2");

    v1::Subscribe g1;
    g1.set_group("g1");
    g1.set_since(0);
    v1::Subscribe g2;
    g2.set_group("g2");
    g2.set_since(1);
    v1::Subscribe missing;
    missing.set_group("nowhere");
    missing.set_since(0);
    auto bob = TestClient::connect(server(), "bob", {.resume = {g1, g2, missing}});
    const auto& resumed = bob.connect_reply().resumed();
    ASSERT_EQ(resumed.size(), 3);
    EXPECT_TRUE(resumed[0].recovered());
    EXPECT_EQ(resumed[1].latest_seq(), 2U);
    EXPECT_EQ(resumed[2].error().code(), v1::Error::NOT_FOUND);

    // g1 then g2, each in order; b1 (seq 1 of g2) was already seen.
    std::vector<std::string> texts;
    for (int i = 0; i < 2; ++i) texts.push_back(bob.next_log_event().chat().text());
    std::sort(texts.begin(), texts.end());
    EXPECT_EQ(texts, (std::vector<std::string>{"a1", "b2"}));
    bob.expect_quiet(alice, "g2");
}

TEST_P(ResumeTest, since_older_than_what_is_retained_says_not_recovered) {
    auto args = without_rate_limit();
    args.push_back("--log.retention_events=5");
    start(args);
    group_with("g", {"alice", "bob"});
    auto alice = TestClient::connect(server(), "alice");
    std::vector<std::uint32_t> ids;
    for (int i = 1; i <= 300; ++i)
        ids.push_back(*alice.session().send(publish_frame("g", "m" + std::to_string(i))));
    for (auto id : ids) ASSERT_TRUE(alice.session().await_reply(id));

    auto bob = TestClient::connect(server(), "bob");
    const auto reply = bob.subscribe("g", 1);
    ASSERT_TRUE(reply.has_recovered());
    EXPECT_FALSE(reply.recovered());
    EXPECT_GT(reply.oldest_seq(), 2U);
    EXPECT_EQ(reply.latest_seq(), 300U);
    // What is retained is replayed, from the oldest on.
    EXPECT_EQ(bob.next_log_event().seq(), reply.oldest_seq());
}

TEST_P(ResumeTest, subscribe_without_since_is_live_only) {
    start();
    group_with("g", {"alice", "bob"});
    auto alice = TestClient::connect(server(), "alice");
    alice.publish("g", "old");
    auto bob = TestClient::connect(server(), "bob");
    const auto reply = bob.subscribe("g");
    EXPECT_FALSE(reply.has_recovered());
    EXPECT_EQ(reply.latest_seq(), 1U);
    alice.publish("g", "new");
    EXPECT_EQ(bob.next_log_event().chat().text(), "new");
}

INSTANTIATE_TEST_SUITE_P(Backends, ResumeTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test
