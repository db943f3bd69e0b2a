// No event and no history page can outgrow a subscriber's outbound queue: meeting updates carry
// the change (not the whole state), history pages are bounded in bytes too, and a node whose
// limits would allow an event over a quarter of the queue refuses to start.

#include <set>

#include "hardening_fixture.hpp"

namespace muster::test {
namespace {

class EventSizeTest : public HardeningTest {};

// Free text that JSON escapes six times over (\u0001).
std::string escaped_text(std::size_t bytes) {
    return std::string(bytes, '\x01');
}

v1::ClientFrame meeting_ref(v1::MeetingRef* (v1::ClientFrame::*field)(), const std::string& id) {
    v1::ClientFrame frame;
    (frame.*field)()->set_meeting_id(id);
    return frame;
}

// A meeting whose state grows past the queue in JSON (60 shared items of 4 KB escaped text:
// ~1.5 MB): every MeetingUpdate used to carry the whole state, and a JSON subscriber was
// closed with 4000 once the state outgrew its queue, then again on each resume.
TEST_P(EventSizeTest, meeting_updates_stay_small_whatever_the_state) {
    start();
    create_group(server(), "branch");
    add_member(server(), "branch", "secretary", "coordinator");
    add_member(server(), "branch", "bob");
    auto host = TestClient::connect(server(), "secretary");
    auto bob = TestClient::connect(server(), "bob", {.encoding = client::Encoding::json});
    bob.subscribe("branch");

    v1::ClientFrame schedule;
    schedule.mutable_meeting_schedule()->set_group("branch");
    schedule.mutable_meeting_schedule()->set_title("月度组织生活会");
    const auto id = host.expect_reply<v1::MeetingScheduleReply>(schedule).meeting_id();
    host.expect_reply<v1::MeetingReply>(meeting_ref(&v1::ClientFrame::mutable_meeting_start, id));
    constexpr int items = 60;
    for (int i = 0; i < items; ++i) {
        v1::ClientFrame frame;
        frame.mutable_meeting_share()->set_meeting_id(id);
        frame.mutable_meeting_share()->set_title(escaped_text(4000));
        frame.mutable_meeting_share()->set_url("https://example.org/doc/" + std::to_string(i));
        host.expect_reply<v1::MeetingReply>(std::move(frame));
    }
    // Bob reads every update, each with the one item it added.
    int shared = 0;
    while (shared < items) {
        const auto event = bob.next_log_event();
        ASSERT_TRUE(event.has_meeting()) << event.ShortDebugString().substr(0, 200);
        if (event.meeting().change() != v1::MeetingUpdate::SHARED) continue;
        EXPECT_EQ(event.meeting().shared().url(),
                  "https://example.org/doc/" + std::to_string(shared));
        EXPECT_TRUE(event.meeting().state().shared().empty());
        ++shared;
    }
    // A JSON client resuming from the start gets the whole log, not a 4000.
    auto late = TestClient::connect(server(), "bob", {.encoding = client::Encoding::json});
    late.subscribe("branch", 0);
    int seen = 0;
    while (seen < items + 2) {  // SCHEDULED, STARTED, the shares
        ASSERT_TRUE(late.next_log_event().has_meeting());
        ++seen;
    }
    // The whole state is one meeting_get away (protobuf here: ~250 KB).
    const auto state =
        host.expect_reply<v1::MeetingReply>(meeting_ref(&v1::ClientFrame::mutable_meeting_get, id))
            .state();
    EXPECT_EQ(state.shared_size(), items);
    // In JSON that state (~1.4 MB) would take more than half of bob's queue: TOO_LARGE instead
    // of a close, the connection goes on, and the state is on the HTTP API.
    const auto refused = late.expect_error(meeting_ref(&v1::ClientFrame::mutable_meeting_get, id),
                                           v1::Error::TOO_LARGE);
    EXPECT_NE(refused.message().find("HTTP"), std::string::npos) << refused.message();
    late.subscribe("branch");
    const auto http =
        http_call(server(), "GET", "/api/v1/meetings/" + id, {}, server().token("bob"));
    EXPECT_EQ(http.status, 200) << http.body.substr(0, 200);
}

// history {limit: 1000} over 4 KB texts (JSON: 24 KB each, 300 of them ~7 MB) used to exceed
// the queue and close the asker with 4000. Pages stop at limits.history_max_bytes and say
// where to go on; paging through gives every event once.
TEST_P(EventSizeTest, history_pages_are_bounded_in_bytes_and_say_where_to_continue) {
    start({"--limits.commands_per_second=1000000", "--limits.command_burst=1000000"});
    group_with("g", {"alice"});
    {
        auto writer = TestClient::connect(server(), "alice");
        for (int i = 0; i < 300; ++i) writer.publish("g", escaped_text(4000));
    }
    auto reader = TestClient::connect(server(), "alice", {.encoding = client::Encoding::json});
    // Backward from the newest.
    std::set<std::uint64_t> seqs;
    auto page = reader.history("g", std::nullopt, std::nullopt, 1000);
    int pages = 1;
    ASSERT_TRUE(page.more());
    ASSERT_GT(page.events_size(), 0);
    EXPECT_LT(page.events_size(), 300);
    EXPECT_EQ(page.events(page.events_size() - 1).seq(), 300U);  // the newest kept
    EXPECT_EQ(page.next_seq(), page.events(0).seq());
    for (const auto& e : page.events()) seqs.insert(e.seq());
    while (page.more()) {
        page = reader.history("g", std::nullopt, page.next_seq(), 1000);
        ++pages;
        for (const auto& e : page.events()) EXPECT_TRUE(seqs.insert(e.seq()).second) << e.seq();
    }
    EXPECT_EQ(seqs.size(), 300U);
    EXPECT_EQ(*seqs.begin(), 1U);
    RecordProperty("json_pages_backward", pages);
    // Forward from the start.
    seqs.clear();
    page = reader.history("g", 0, std::nullopt, 1000);
    ASSERT_TRUE(page.more());
    EXPECT_EQ(page.events(0).seq(), 1U);
    EXPECT_EQ(page.next_seq(), page.events(page.events_size() - 1).seq());
    for (const auto& e : page.events()) seqs.insert(e.seq());
    while (page.more()) {
        page = reader.history("g", page.next_seq(), std::nullopt, 1000);
        for (const auto& e : page.events()) EXPECT_TRUE(seqs.insert(e.seq()).second) << e.seq();
    }
    EXPECT_EQ(seqs.size(), 300U);
    // Over HTTP (JSON): the same bound, `more` and `nextSeq`.
    const auto http = http_call(server(), "GET", "/api/v1/groups/g/events?limit=1000", {},
                                server().token("alice"));
    ASSERT_EQ(http.status, 200) << http.body.substr(0, 300);
    EXPECT_LE(http.body.size(), 256U * 1024 + 4096);
    EXPECT_NE(http.body.find("\"more\":true"), std::string::npos);
    EXPECT_NE(http.body.find("\"nextSeq\":"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, EventSizeTest, testing::ValuesIn(all_backends()), backend_name);

// Limits under which some event could outgrow the queue are refused at start.
TEST(EventSizeStartup, limits_that_allow_an_event_over_the_queue_are_refused) {
    ServerOptions options;
    options.args = {"--limits.outbound_queue_bytes=262144", "--limits.max_text_bytes=60000",
                    "--limits.max_frame_bytes=65536", "--limits.history_max_bytes=65536",
                    "--meeting.signal_burst=4"};  // what validate() asks of this queue
    ServerProcess node(std::move(options));
    EXPECT_FALSE(node.start());
    const std::string log = node.log_text();
    EXPECT_NE(log.find("the largest possible"), std::string::npos) << log;
    EXPECT_NE(log.find("limits.outbound_queue_bytes"), std::string::npos) << log;
}

}  // namespace
}  // namespace muster::test
