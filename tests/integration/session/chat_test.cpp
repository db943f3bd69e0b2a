// Group chat on one node: delivery, order, idempotency, history, unsubscribe, HTTP publish.

#include "session_fixture.hpp"

namespace muster::test {
namespace {

class ChatTest : public SessionTest {};

TEST_P(ChatTest, message_reaches_every_subscriber_in_every_encoding) {
    start();
    group_with("chonghua", {"alice", "bob", "carol"});
    auto alice = TestClient::connect(server(), "alice",
                                     {.encoding = client::Encoding::proto, .name = "王晓光"});
    auto bob = TestClient::connect(server(), "bob", {.encoding = client::Encoding::json});
    auto carol =
        TestClient::connect(server(), "carol", {.encoding = client::Encoding::json_no_subprotocol});
    for (auto* c : {&alice, &bob, &carol}) c->subscribe("chonghua");

    EXPECT_EQ(alice.publish("chonghua", "门岗今天谁值班?").seq(), 1U);
    for (auto* c : {&alice, &bob, &carol}) {
        const v1::Event event = c->expect_chat("chonghua", "门岗今天谁值班?");
        EXPECT_EQ(event.seq(), 1U);
        EXPECT_EQ(event.sender(), "alice");
        EXPECT_EQ(event.sender_name(), "王晓光");
        EXPECT_GT(event.time_ms(), 0);
    }
}

TEST_P(ChatTest, pipelined_publishes_are_delivered_in_seq_order_without_gaps) {
    start(without_rate_limit());
    group_with("g", {"alice", "bob"});
    auto alice = TestClient::connect(server(), "alice");
    auto bob = TestClient::connect(server(), "bob", {.encoding = client::Encoding::json});
    bob.subscribe("g");
    constexpr int count = 300;
    std::vector<std::uint32_t> ids;
    for (int i = 1; i <= count; ++i) {
        auto id = alice.session().send(publish_frame("g", "m" + std::to_string(i)));
        ASSERT_TRUE(id) << id.failure().describe();
        ids.push_back(*id);
    }
    for (int i = 0; i < count; ++i) {
        auto reply = alice.session().await_reply(ids[static_cast<std::size_t>(i)]);
        ASSERT_TRUE(reply) << reply.failure().describe();
        ASSERT_EQ(reply->publish().seq(),
                  static_cast<std::uint64_t>(i + 1));  // one connection: in order
    }
    for (int i = 1; i <= count; ++i) {
        const v1::Event event = bob.next_log_event();
        ASSERT_EQ(event.seq(), static_cast<std::uint64_t>(i));
        ASSERT_EQ(event.chat().text(), "m" + std::to_string(i));
    }
}

TEST_P(ChatTest, same_client_msg_id_returns_the_original_seq_and_stores_once) {
    start();
    group_with("g", {"alice", "bob"});
    auto alice = TestClient::connect(server(), "alice");
    auto bob = TestClient::connect(server(), "bob");
    bob.subscribe("g");
    const auto first = alice.publish("g", "once", "msg-1");
    EXPECT_FALSE(first.duplicate());
    const auto again = alice.publish("g", "once", "msg-1");
    EXPECT_EQ(again.seq(), first.seq());
    EXPECT_TRUE(again.duplicate());
    // Another user's identical key is another message.
    const auto bobs = bob.publish("g", "mine", "msg-1");
    EXPECT_EQ(bobs.seq(), first.seq() + 1);

    bob.expect_chat("g", "once");
    bob.expect_chat("g", "mine");
    bob.expect_quiet(alice, "g");
    EXPECT_EQ(alice.history("g", 0, std::nullopt).events_size(), 3);  // once, mine, the marker
}

TEST_P(ChatTest, history_pages_forward_backward_and_from_the_newest_in_ascending_order) {
    start();
    group_with("g", {"alice"});
    auto alice = TestClient::connect(server(), "alice");
    for (int i = 1; i <= 10; ++i) alice.publish("g", "m" + std::to_string(i));
    auto seqs = [](const v1::HistoryReply& reply) {
        std::vector<std::uint64_t> out;
        for (const auto& e : reply.events()) out.push_back(e.seq());
        return out;
    };
    EXPECT_EQ(seqs(alice.history("g", 0, std::nullopt, 3)), (std::vector<std::uint64_t>{1, 2, 3}));
    EXPECT_EQ(seqs(alice.history("g", 3, std::nullopt, 3)), (std::vector<std::uint64_t>{4, 5, 6}));
    EXPECT_EQ(seqs(alice.history("g", std::nullopt, 5, 3)), (std::vector<std::uint64_t>{2, 3, 4}));
    const auto newest = alice.history("g", std::nullopt, std::nullopt, 3);
    EXPECT_EQ(seqs(newest), (std::vector<std::uint64_t>{8, 9, 10}));
    EXPECT_EQ(newest.oldest_seq(), 1U);
    EXPECT_EQ(newest.latest_seq(), 10U);
    EXPECT_TRUE(alice.history("g", 10, std::nullopt).events().empty());
}

TEST_P(ChatTest, unsubscribed_group_sends_nothing_more) {
    start();
    group_with("g1", {"alice", "bob"});
    group_with("g2", {"alice", "bob"});
    auto alice = TestClient::connect(server(), "alice");
    auto bob = TestClient::connect(server(), "bob");
    bob.subscribe("g1");
    bob.subscribe("g2");
    bob.unsubscribe("g1");
    alice.publish("g1", "not for bob");
    bob.expect_quiet(alice, "g2");
}

TEST_P(ChatTest, http_publish_and_history_use_the_same_log) {
    start();
    group_with("g", {"alice", "bob"});
    auto bob = TestClient::connect(server(), "bob");
    bob.subscribe("g");
    const auto posted =
        http_call(server(), "POST", "/api/v1/groups/g/messages",
                  R"({"text":"from the server","clientMsgId":"ext-1"})", server().token("alice"));
    EXPECT_EQ(posted.status, 201) << posted.body;
    EXPECT_EQ(posted.body, R"({"seq":"1"})");
    const auto repeated =
        http_call(server(), "POST", "/api/v1/groups/g/messages",
                  R"({"text":"from the server","clientMsgId":"ext-1"})", server().token("alice"));
    EXPECT_EQ(repeated.status, 200);
    EXPECT_NE(repeated.body.find(R"("duplicate":true)"), std::string::npos);
    EXPECT_EQ(bob.expect_chat("g", "from the server").sender(), "alice");

    const auto events = http_call(server(), "GET", "/api/v1/groups/g/events?after_seq=0&limit=10",
                                  {}, server().token("bob"));
    EXPECT_EQ(events.status, 200);
    EXPECT_NE(events.body.find(R"("events":[{"group":"g","seq":"1")"), std::string::npos)
        << events.body;
    EXPECT_NE(events.body.find(R"("text":"from the server")"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, ChatTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test
