// Redis goes away and comes back (SIGKILL, then a new redis-server on the same port and
// directory; the AOF brings the data back): nodes notice at once (/readyz 503, commands answer
// UNAVAILABLE, live sessions stay open), recover by themselves, and no acknowledged event is
// lost: sessions that stayed connected catch up from the log, clients that dropped resume.

#include <csignal>
#include <fstream>
#include <map>

#include "cluster_fixture.hpp"

namespace muster::test {
namespace {

using namespace std::chrono_literals;

class RedisRestartTest : public ClusterTest {};

std::vector<std::uint64_t> iota(std::uint64_t first, std::uint64_t last) {
    std::vector<std::uint64_t> out;
    for (auto s = first; s <= last; ++s) out.push_back(s);
    return out;
}

v1::ClientFrame publish_frame(const std::string& group, const std::string& text) {
    v1::ClientFrame frame;
    frame.mutable_publish()->set_group(group);
    frame.mutable_publish()->set_text(text);
    return frame;
}

TEST_F(RedisRestartTest, while_redis_is_down_readyz_fails_and_commands_answer_unavailable_fast) {
    // "Fast" means: without waiting for a command timeout. A long one tells the two apart
    // however slow the machine is.
    start_nodes(1, {"--redis.command_timeout_ms=20000"});
    group_with("g", {"alice", "bob"});
    auto alice = TestClient::connect(node(0), "alice");
    alice.subscribe("g");
    EXPECT_EQ(alice.publish("g", "before").seq(), 1U);
    EXPECT_EQ(alice.next_log_event().seq(), 1U);
    auto bob = TestClient::connect(node(0), "bob");
    EXPECT_EQ(readyz(0), 200);

    redis_.kill();
    const auto noticed = poll_until([&] { return readyz(0) == 503; });
    ASSERT_TRUE(noticed.has_value()) << "/readyz still 200 without Redis";
    std::cout << "[ measured ] /readyz 503 " << noticed->count() << " ms after Redis died\n";

    auto timed_error = [&](v1::ClientFrame frame) {
        const auto started = std::chrono::steady_clock::now();
        alice.expect_error(std::move(frame), v1::Error::UNAVAILABLE);
        return std::chrono::steady_clock::now() - started;
    };
    const auto no_timeout = 10s;  // half the command timeout
    EXPECT_LT(timed_error(publish_frame("g", "during")), no_timeout);
    v1::ClientFrame history;
    history.mutable_history()->set_group("g");
    EXPECT_LT(timed_error(history), no_timeout) << "a read tries one reconnect at most";
    v1::ClientFrame presence;
    presence.mutable_presence()->set_group("g");
    EXPECT_LT(timed_error(presence), no_timeout);
    v1::ClientFrame subscribe;
    subscribe.mutable_subscribe()->set_group("g");
    bob.expect_error(subscribe, v1::Error::UNAVAILABLE);
    EXPECT_EQ(http_call(node(0), "POST", "/api/v1/groups/g/messages", R"({"text":"x"})",
                        node(0).token("alice"))
                  .status,
              503);
    // A new connection needs the user's memberships: refused with UNAVAILABLE, not hung.
    auto carol = TestClient::open(node(0));
    v1::ClientFrame connect;
    connect.mutable_connect()->set_token(node(0).token("carol"));
    carol.expect_error(connect, v1::Error::UNAVAILABLE);

    ASSERT_TRUE(redis_.restart());
    const auto back = poll_until([&] { return readyz(0) == 200; });
    ASSERT_TRUE(back.has_value()) << "/readyz never came back";
    std::cout << "[ measured ] /readyz 200 again " << back->count()
              << " ms after redis-server was ready\n";

    // The session that stayed open works as before, and the log goes on where it was.
    EXPECT_EQ(alice.publish("g", "after").seq(), 2U);
    EXPECT_EQ(alice.next_log_event().chat().text(), "after");
    bob.subscribe("g");
    alice.expect_quiet(bob, "g");
}

TEST_F(RedisRestartTest, nodes_recover_by_themselves_and_no_acknowledged_event_is_lost) {
    start_nodes(2);
    group_with("g", {"pat", "sue", "rita"});
    auto sue = TestClient::connect(node(1), "sue");  // stays connected throughout
    sue.subscribe("g", 0);
    auto rita = TestClient::connect(node(0), "rita");  // drops during the outage, resumes after
    rita.subscribe("g", 0);

    constexpr int count = 400;
    Publisher pat(node(0), "pat", "g", "m", count, 4, 2ms);
    ASSERT_TRUE(poll_until([&] { return pat.acked() >= 100; }).has_value()) << pat.error();
    std::uint64_t rita_last = 0;
    while (rita_last < 50) rita_last = rita.next_log_event().seq();

    redis_.kill();
    const auto down = poll_until([&] { return readyz(0) == 503 && readyz(1) == 503; });
    ASSERT_TRUE(down.has_value());
    // (How fast: while_redis_is_down_readyz_fails_and_commands_answer_unavailable_fast.)
    sue.expect_error(publish_frame("g", "during the outage"), v1::Error::UNAVAILABLE);
    rita.abort();
    // The publisher keeps trying (UNAVAILABLE, retried with the same client_msg_id).
    ASSERT_TRUE(poll_until([&] { return pat.unavailable() >= 40; }).has_value());

    ASSERT_TRUE(redis_.restart());
    const auto up = poll_until([&] { return readyz(0) == 200 && readyz(1) == 200; });
    ASSERT_TRUE(up.has_value()) << "the nodes did not recover";
    std::cout << "[ measured ] both nodes ready " << up->count()
              << " ms after redis-server was back; the publisher saw " << pat.unavailable()
              << " UNAVAILABLE replies\n";

    pat.join();
    ASSERT_TRUE(pat.ok()) << pat.error();
    std::map<std::uint64_t, std::string> text_of;
    for (const auto& ack : pat.acks()) {
        EXPECT_TRUE(text_of.emplace(ack.seq, ack.text).second) << "seq " << ack.seq << " twice";
    }
    ASSERT_EQ(text_of.size(), static_cast<std::size_t>(count));
    const std::uint64_t last = text_of.rbegin()->first;
    EXPECT_EQ(last, static_cast<std::uint64_t>(count)) << "retries were not stored twice";

    // Sue never disconnected: the bus reset made her session catch up from the log.
    std::vector<std::uint64_t> sue_got;
    for (std::uint64_t seq = 1; seq <= last; ++seq) {
        const v1::Event event = sue.next_log_event();
        sue_got.push_back(event.seq());
        if (event.seq() != seq) break;
        EXPECT_EQ(event.chat().text(), text_of[seq]) << "acknowledged event " << seq;
    }
    EXPECT_EQ(sue_got, iota(1, last));

    // Rita comes back with `since`.
    auto back = TestClient::connect(node(1), "rita");
    const auto reply = back.subscribe("g", rita_last);
    EXPECT_TRUE(reply.recovered());
    EXPECT_EQ(reply.latest_seq(), last);
    std::vector<std::uint64_t> rita_got;
    while (rita_got.empty() || rita_got.back() < last) {
        rita_got.push_back(back.next_log_event().seq());
    }
    EXPECT_EQ(rita_got, iota(rita_last + 1, last));

    auto marker_client = TestClient::connect(node(0), "pat");
    const auto marker = marker_client.publish("g", "marker").seq();
    EXPECT_EQ(sue.next_log_event().seq(), marker);
    EXPECT_EQ(back.next_log_event().seq(), marker);
}

// Nodes and Redis are often started together (compose, systemd, a rebooted host): a node
// whose Redis is not up yet waits for it (redis.startup_wait_s), then serves.
TEST_F(RedisRestartTest, a_node_started_before_redis_waits_for_it) {
    redis_.kill();
    TempDir dir("musterd");
    const auto log = dir.path() / "musterd.log";
    SpawnSpec spec;
    spec.program = bin_path("musterd").string();
    spec.args = {"--server.listen=127.0.0.1:0", "--server.data_dir=" + dir.path().string(),
                 "--auth.jwt_secret=s", "--redis.url=" + redis_.url(),
                 "--redis.reconnect_max_ms=500"};
    spec.stderr_path = log;
    ChildProcess node;
    std::string error;
    ASSERT_TRUE(node.spawn(spec, error)) << error;
    auto log_says = [&](std::string_view words) {
        std::ifstream in(log);
        const std::string text((std::istreambuf_iterator<char>(in)), {});
        return text.find(words) != std::string::npos;
    };
    ASSERT_TRUE(poll_until([&] { return log_says("waiting up to 60 s for the store"); }))
        << "no word of waiting; exited: " << node.has_exited();
    EXPECT_FALSE(node.has_exited());

    ASSERT_TRUE(redis_.restart());
    std::string why;
    const auto listening = node.wait_for_line(
        [](std::string_view line) { return line.starts_with("musterd listening on "); }, 30s, &why);
    ASSERT_TRUE(listening.has_value()) << why;
    EXPECT_TRUE(log_says("the store answers"));
    node.signal(SIGTERM);
    const auto status = node.wait(30s);
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(status->clean()) << status->describe();
}

}  // namespace
}  // namespace muster::test
