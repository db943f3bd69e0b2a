// Every limit is in the configuration and answered clearly: an Error, or a close with a code.

#include <set>

#include "raw_socket.hpp"
#include "session_fixture.hpp"

namespace muster::test {
namespace {

class LimitsTest : public SessionTest {};

TEST_P(LimitsTest, frame_over_the_maximum_closes_with_1009) {
    // The largest meeting signal, with its framing, must fit in a frame, or no start.
    start({"--limits.max_frame_bytes=4096", "--meeting.max_signal_bytes=2048"});
    auto client = TestClient::connect(server(), "alice");
    client.send_raw(std::string(5000, 'x'), client::FrameType::binary);
    client.expect_closed(1009);
}

TEST_P(LimitsTest, rate_limit_answers_rate_limited_then_closes_with_4029) {
    // A burst must hold max_subscriptions + 8 commands: a small burst needs a small cap.
    start({"--limits.commands_per_second=1", "--limits.command_burst=10",
           "--limits.max_subscriptions=2", "--limits.rate_limit_strikes=3"});
    group_with("g", {"alice"});
    auto alice = TestClient::connect(server(), "alice");  // connect took one token
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(alice.session().send(publish_frame("g", "m")));
    // Refusals are immediate, publishes are answered after their commit: count whatever comes
    // until the server closes (replies still in flight at the close are lost with it).
    int published = 0;
    int limited = 0;
    for (;;) {
        auto frame = alice.connection().receive(default_wait);
        if (!frame) {
            ASSERT_TRUE(frame.failure().is(client::Failure::Kind::closed))
                << frame.failure().describe();
            EXPECT_EQ(frame.failure().close_code, 4029);
            break;
        }
        if (frame->has_publish()) ++published;
        if (frame->has_error() && frame->error().code() == v1::Error::RATE_LIMITED) ++limited;
    }
    EXPECT_LE(published, 10);
    EXPECT_EQ(limited, 3);
}

TEST_P(LimitsTest, subscriptions_per_connection_are_bounded) {
    start({"--limits.max_subscriptions=2"});
    for (const char* g : {"g1", "g2", "g3"}) group_with(g, {"alice"});
    auto alice = TestClient::connect(server(), "alice");
    alice.subscribe("g1");
    alice.subscribe("g2");
    alice.subscribe("g1");  // a re-subscribe replaces, it does not count twice
    const auto error = alice.expect_error(subscribe_frame("g3"), v1::Error::TOO_LARGE);
    EXPECT_NE(error.message().find("2"), std::string::npos);
}

TEST_P(LimitsTest, connections_per_user_are_bounded) {
    start({"--limits.max_connections_per_user=2"});
    auto first = TestClient::connect(server(), "alice");
    auto second = TestClient::connect(server(), "alice");
    auto third = TestClient::open(server());
    v1::ClientFrame connect;
    connect.mutable_connect()->set_token(server().token("alice"));
    third.expect_error(connect, v1::Error::RATE_LIMITED);
    third.expect_closed(1008);
    second.close();  // returns once the server has answered the close
    // The slot is free again once the second connection is gone (the server detaches it as it
    // answers the close; a connect racing that answer is refused and retried).
    const auto deadline = std::chrono::steady_clock::now() + default_wait;
    bool connected = false;
    while (!connected && std::chrono::steady_clock::now() < deadline) {
        auto again = TestClient::open(server());
        auto reply = again.session().call(connect);
        ASSERT_TRUE(reply) << reply.failure().describe();
        connected = reply->has_connect();
    }
    EXPECT_TRUE(connected);
}

TEST_P(LimitsTest, no_connect_in_time_closes_with_1008) {
    start({"--limits.connect_timeout_s=1"});
    auto silent = TestClient::open(server());
    silent.expect_closed(1008);
}

TEST_P(LimitsTest, a_peer_that_answers_no_ping_is_closed) {
    start(
        {"--limits.ping_interval_s=1", "--limits.idle_timeout_s=2", "--limits.close_timeout_s=1"});
    RawSocket raw(server().host(), server().port());
    ASSERT_NE(raw.handshake().find("101"), std::string::npos);
    ASSERT_TRUE(raw.send(RawSocket::masked_frame(
        1, R"({"id":1,"connect":{"token":")" + server().token("alice") + "\"}}")));
    bool eof = false;
    const std::string received = raw.read_until_eof(std::chrono::seconds(30), eof);
    EXPECT_TRUE(eof) << "the server kept a silent peer";
    EXPECT_NE(received.find(static_cast<char>(0x89)), std::string::npos) << "no ping was sent";
    EXPECT_EQ(RawSocket::close_code_in(received), 1008);
}

TEST_P(LimitsTest, slow_consumer_is_closed_with_4000_and_loses_nothing) {
    auto args = without_rate_limit();
    // A small queue, and limits small enough that every event fits a quarter of it (musterd
    // refuses to start otherwise).
    for (const char* arg :
         {"--limits.outbound_queue_bytes=131072", "--limits.history_max_bytes=32768",
          "--limits.max_text_bytes=1000", "--limits.max_id_bytes=64", "--meeting.signal_burst=2",
          "--duty.max_target_groups=16", "--meeting.max_co_hosts=4"})
        args.emplace_back(arg);
    start(args);
    group_with("g", {"alice", "bob"});
    auto alice = TestClient::connect(server(), "alice");
    auto bob = TestClient::connect(server(), "bob", {.receive_buffer_bytes = 4096});
    bob.subscribe("g");
    constexpr int count = 6000;
    // More than the kernel can buffer on loopback (tcp_wmem max 4 MiB) plus the 128 KiB queue.
    const std::string text(1000, 'x');
    std::vector<std::uint32_t> ids;
    for (int i = 0; i < count; ++i) ids.push_back(*alice.session().send(publish_frame("g", text)));
    for (auto id : ids) ASSERT_TRUE(alice.session().await_reply(id));
    // Bob read nothing meanwhile: the server gave up on him rather than buffer without bound.
    bob.expect_closed(4000);
    auto bob_again = TestClient::connect(server(), "bob");
    bob_again.subscribe("g", 0);
    for (int seq = 1; seq <= count; ++seq)
        ASSERT_EQ(bob_again.next_log_event().seq(), static_cast<std::uint64_t>(seq));
}

TEST_P(LimitsTest, oversize_fields_and_bodies_are_too_large) {
    start({"--limits.max_text_bytes=10", "--limits.http_max_body_bytes=1000",
           "--limits.max_id_bytes=16"});
    group_with("g", {"alice"});
    auto alice = TestClient::connect(server(), "alice");
    alice.expect_error(publish_frame("g", "eleven bytes"), v1::Error::TOO_LARGE);
    alice.expect_error(publish_frame("g", "ok", std::string(17, 'k')), v1::Error::TOO_LARGE);
    alice.expect_error(subscribe_frame(std::string(17, 'g')), v1::Error::TOO_LARGE);
    const auto big = http_call(server(), "POST", "/api/v1/groups/g/messages",
                               std::string(5000, ' '), server().token("alice"));
    EXPECT_EQ(big.status, 413);
    EXPECT_NE(big.body.find("TOO_LARGE"), std::string::npos);
}

TEST_P(LimitsTest, connections_per_node_are_bounded_at_the_upgrade) {
    start({"--limits.max_connections=2"});
    auto first = TestClient::connect(server(), "alice");
    auto second = TestClient::connect(server(), "bob");
    auto refused = client::Session::open(server().connect_options());
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.failure().http_status, 503) << refused.failure().describe();
    // HTTP still answers: operators can look at a full node.
    EXPECT_EQ(http_call(server(), "GET", "/healthz").status, 200);
}

TEST_P(LimitsTest, commands_beyond_the_inflight_bound_wait_and_are_all_answered) {
    auto args = without_rate_limit();
    args.push_back("--limits.max_inflight_commands=2");
    start(args);
    group_with("g", {"alice"});
    auto alice = TestClient::connect(server(), "alice");
    std::vector<std::uint32_t> ids;
    for (int i = 1; i <= 100; ++i)
        ids.push_back(*alice.session().send(publish_frame("g", "m" + std::to_string(i))));
    std::set<std::uint64_t> seqs;
    for (auto id : ids) {
        auto reply = alice.session().await_reply(id);
        ASSERT_TRUE(reply && reply->has_publish())
            << (reply ? reply->DebugString() : reply.failure().describe());
        seqs.insert(reply->publish().seq());
    }
    EXPECT_EQ(seqs.size(), 100U);
    EXPECT_EQ(*seqs.rbegin(), 100U);
}

INSTANTIATE_TEST_SUITE_P(Backends, LimitsTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test
