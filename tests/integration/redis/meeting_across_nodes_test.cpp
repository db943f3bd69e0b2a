// A meeting across two nodes sharing one Redis: a member joins on node A, the host runs the
// meeting on node B. When A dies (SIGKILL), nobody on A can say the member's connection is
// gone: B sees A's heartbeat stop (presence TTL), puts the member on grace (AWAY) and drops
// them when the grace runs out, the attendance interval ending at the loss B noticed.
//
// Both nodes run manual clocks started at the same instant (each node has its own: the test
// advances each); the presence TTL is real time, so the AWAY is awaited, never slept for.

#include <chrono>

#include "cluster_fixture.hpp"
#include "muster/codec.hpp"

namespace muster::test {
namespace {

using Change = v1::MeetingUpdate;

constexpr std::int64_t t0 = 1'750'000'000'000;
constexpr std::int64_t minute = 60'000;

class MeetingAcrossNodesTest : public TopologyTest {
  protected:
    void advance(std::size_t i, std::int64_t ms) {
        const auto response =
            admin_http(node(i), "POST", "/api/v1/debug/clock?advance_ms=" + std::to_string(ms));
        ASSERT_EQ(response.status, 200) << response.body;
    }

    static v1::MeetingUpdate expect_update(TestClient& client, Change::Change change,
                                           const std::string& user) {
        const auto event = client.next_log_event();
        EXPECT_TRUE(event.has_meeting()) << client::to_json(event);
        EXPECT_EQ(event.meeting().change(), change) << client::to_json(event);
        EXPECT_EQ(event.meeting().user(), user) << client::to_json(event);
        return event.meeting();
    }
};

v1::ClientFrame meeting_frame(v1::MeetingRef* (v1::ClientFrame::*field)(), const std::string& id) {
    v1::ClientFrame frame;
    (frame.*field)()->set_meeting_id(id);
    return frame;
}

TEST_P(MeetingAcrossNodesTest, the_survivor_drops_a_participant_of_a_killed_node_after_the_grace) {
    start_nodes(2,
                {"--debug.manual_clock=true", "--debug.manual_clock_start_ms=" + std::to_string(t0),
                 "--meeting.drop_grace_s=60", "--redis.presence_ttl_s=2"});
    group_with("branch", {"alice"});
    add_member(node(0), "branch", "secretary", "coordinator");

    auto host = TestClient::connect(node(1), "secretary");
    host.subscribe("branch");
    auto alice = TestClient::connect(node(0), "alice");

    v1::ClientFrame schedule;
    schedule.mutable_meeting_schedule()->set_group("branch");
    schedule.mutable_meeting_schedule()->set_title("月度组织生活会");
    const auto id = host.expect_reply<v1::MeetingScheduleReply>(schedule).meeting_id();
    host.expect_reply<v1::MeetingReply>(meeting_frame(&v1::ClientFrame::mutable_meeting_start, id));
    const auto joined = alice.expect_reply<v1::MeetingReply>(
        meeting_frame(&v1::ClientFrame::mutable_meeting_join, id));
    ASSERT_EQ(joined.state().participants_size(), 1);
    expect_update(host, Change::SCHEDULED, "secretary");
    expect_update(host, Change::STARTED, "secretary");
    expect_update(host, Change::JOINED, "alice");

    advance(0, minute);
    advance(1, minute);
    node(0).kill();
    const auto killed = std::chrono::steady_clock::now();

    // Node 1 notices within the presence TTL (2 s) and a liveness check (every 0.5 s).
    const auto away = expect_update(host, Change::AWAY, "");
    const auto noticed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - killed);
    std::cout << "[ measured ] the survivor put the participant on grace " << noticed.count()
              << " ms after the kill\n";
    EXPECT_EQ(away.participant_count(), 1U);
    const auto state = host.expect_reply<v1::MeetingReply>(
                               meeting_frame(&v1::ClientFrame::mutable_meeting_get, id))
                           .state();
    ASSERT_EQ(state.participants_size(), 1);
    EXPECT_EQ(state.participants(0).away_since_ms(), t0 + minute);

    // The grace runs out on node 1's clock: dropped, the interval ending at the loss.
    advance(1, minute);
    const auto dropped = expect_update(host, Change::DROPPED, "alice");
    EXPECT_EQ(dropped.participant_count(), 0U);

    const auto response = http_call(node(1), "GET", "/api/v1/meetings/" + id + "/attendance", {},
                                    node(1).token("secretary"));
    ASSERT_EQ(response.status, 200) << response.body;
    v1::AttendanceReport report;
    ASSERT_TRUE(client::from_json(response.body, report)) << response.body;
    ASSERT_EQ(report.attendees_size(), 1) << response.body;
    EXPECT_EQ(report.attendees(0).user(), "alice");
    EXPECT_EQ(report.attendees(0).present_ms(), minute);
    EXPECT_EQ(report.attendees(0).last_leave_ms(), t0 + minute);
}

INSTANTIATE_TEST_SUITE_P(Redis, MeetingAcrossNodesTest, each_topology(), topology_name);

}  // namespace
}  // namespace muster::test
