// Replays (connect.resume, subscribe with since) hold at most one page of the log per
// subscription, whatever the client sends and however slowly it reads.

#include "hardening_fixture.hpp"
#include "support/sanitizers.hpp"

namespace muster::test {
namespace {

class ReplayMemoryTest : public HardeningTest {
  protected:
    // One group whose log is more than a page (log.replay_page = 256 events) of 4 KB texts:
    // a page is about 1 MB.
    void start_with_a_full_log() {
        start({"--limits.commands_per_second=1000000", "--limits.command_burst=1000000"});
        group_with("g", {"alice", "mallory"});
        fill_log(server(), "g", "alice", 260, 4000);
    }
    static constexpr std::uint64_t page_bytes = 256 * 4000;
};

// The same group repeated in connect.resume: answered once (the repetitions are refused),
// and the connect holds no page while it opens the entries. Unbounded, each repetition held a
// page (128 here: ~130 MB) until the connect ended.
TEST_P(ReplayMemoryTest, resume_with_a_repeated_group_holds_no_page_per_repetition) {
    start_with_a_full_log();
    const std::uint64_t before = rss_bytes(server().pid());
    auto mallory = TestClient::open(server(), {.receive_buffer_bytes = 4096});
    v1::ClientFrame connect;
    connect.mutable_connect()->set_token(server().token("mallory"));
    for (int i = 0; i < 128; ++i) {
        auto* entry = connect.mutable_connect()->add_resume();
        entry->set_group("g");
        entry->set_since(0);
    }
    const auto reply = mallory.expect_reply(connect);
    ASSERT_TRUE(reply.has_connect()) << reply.ShortDebugString();
    const auto& resumed = reply.connect().resumed();
    ASSERT_EQ(resumed.size(), 128);
    EXPECT_FALSE(resumed[0].has_error());
    for (int i = 1; i < 128; ++i) {
        ASSERT_TRUE(resumed[i].has_error());
        EXPECT_EQ(resumed[i].error().code(), v1::Error::INVALID_ARGUMENT);
        EXPECT_EQ(resumed[i].group(), "g");
    }
    // Not reading on: the one replay pauses with at most a page and a queue.
    const std::uint64_t after = rss_bytes(server().pid());
    EXPECT_LT(after, before + 24 * page_bytes)
        << "RSS grew by " << (after - before) / 1024 << " KiB";
    RecordProperty("rss_growth_kib", static_cast<int>((after - before) / 1024));
}

// More resume entries than limits.max_subscriptions: the connect is refused as a whole.
TEST_P(ReplayMemoryTest, resume_is_bounded_by_max_subscriptions) {
    start();
    group_with("g", {"mallory"});
    auto mallory = TestClient::open(server());
    v1::ClientFrame connect;
    connect.mutable_connect()->set_token(server().token("mallory"));
    for (int i = 0; i < 2000; ++i) connect.mutable_connect()->add_resume()->set_group("g");
    const auto error = mallory.expect_error(connect, v1::Error::TOO_LARGE);
    EXPECT_NE(error.message().find("256"), std::string::npos) << error.message();
}

// A client that subscribes to the same group again and again, with since, and never reads:
// each re-subscribe drops the previous replay, which frees its page at once. Unbounded, each
// abandoned replay kept its page until the client read (never): ~1 MB per re-subscribe.
TEST_P(ReplayMemoryTest, a_dropped_replay_frees_its_page_at_once) {
    start_with_a_full_log();
    auto mallory = TestClient::connect(server(), "mallory", {.receive_buffer_bytes = 4096});
    const double pages = metric_value(server(), "muster_replay_pages_total");
    const std::uint64_t before = rss_bytes(server().pid());
    constexpr int resubscribes = 40;
    for (int i = 1; i <= resubscribes; ++i) {
        v1::ClientFrame frame = subscribe_frame("g");
        frame.set_id(static_cast<std::uint32_t>(100 + i));
        frame.mutable_subscribe()->set_since(0);
        ASSERT_TRUE(mallory.session().send(frame));
        // The next one once this one has read its first page (the store's pace, not a timer).
        ASSERT_TRUE(await_metric(server(), "muster_replay_pages_total",
                                 [&](double v) { return v >= pages + i; }));
    }
    // Every dropped replay has ended: one waits for mallory to read, the last.
    EXPECT_TRUE(await_metric(server(), "muster_replays_waiting", [](double v) { return v == 1; }));
    const std::uint64_t after = rss_bytes(server().pid());
    // ASan's allocator quarantines what was freed: the bound holds in the normal build.
    if (!under_asan) {
        EXPECT_LT(after, before + 16 * page_bytes)
            << "RSS grew by " << (after - before) / 1024 << " KiB";
    }
    RecordProperty("rss_growth_kib", static_cast<int>((after - before) / 1024));
}

INSTANTIATE_TEST_SUITE_P(Backends, ReplayMemoryTest, testing::ValuesIn(all_backends()),
                         backend_name);

}  // namespace
}  // namespace muster::test
