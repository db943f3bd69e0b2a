// WebRTC signalling across nodes: participants of one meeting connected to different nodes
// sharing a Redis signal each other (the signal crosses the bus, never the log), and a
// connection that did not join gets nothing.

#include "cluster_fixture.hpp"
#include "muster/codec.hpp"

namespace muster::test {
namespace {

using Kind = v1::MeetingSignal;

class MeetingSignalAcrossNodesTest : public TopologyTest {};

v1::ClientFrame meeting_frame(v1::MeetingRef* (v1::ClientFrame::*field)(), const std::string& id) {
    v1::ClientFrame frame;
    (frame.*field)()->set_meeting_id(id);
    return frame;
}

void send_signal(TestClient& from, const std::string& meeting, const std::string& to,
                 Kind::Kind kind, const std::string& payload, const std::string& to_session = {}) {
    v1::ClientFrame frame;
    auto* s = frame.mutable_meeting_signal();
    s->set_meeting_id(meeting);
    s->set_to_user(to);
    s->set_kind(kind);
    s->set_payload(payload);
    s->set_to_session(to_session);
    (void)from.expect_reply<v1::MeetingSignalReply>(frame);
}

// The next event (none is subscribed to a group here) must be this signal from `from`.
void expect_signal(TestClient& client, TestClient& from, Kind::Kind kind,
                   const std::string& payload) {
    const v1::Event event = client.next_event();
    ASSERT_TRUE(event.has_meeting_signal()) << client::to_json(event);
    EXPECT_EQ(event.seq(), 0U);
    EXPECT_EQ(event.meeting_signal().kind(), kind);
    EXPECT_EQ(event.meeting_signal().payload(), payload);
    EXPECT_EQ(event.meeting_signal().from_user(), from.user());
    EXPECT_EQ(event.meeting_signal().from_session(), from.connect_reply().session_id());
}

TEST_P(MeetingSignalAcrossNodesTest, participants_on_different_nodes_signal_each_other) {
    start_nodes(2);
    group_with("branch", {"alice", "bob"});
    add_member(node(0), "branch", "secretary", "coordinator");

    auto host = TestClient::connect(node(1), "secretary");
    auto alice = TestClient::connect(node(0), "alice");
    auto bob = TestClient::connect(node(1), "bob");
    auto bob_idle = TestClient::connect(node(0), "bob");  // connected, never joins

    v1::ClientFrame schedule;
    schedule.mutable_meeting_schedule()->set_group("branch");
    schedule.mutable_meeting_schedule()->set_title("支部视频会");
    const auto id = host.expect_reply<v1::MeetingScheduleReply>(schedule).meeting_id();
    (void)host.expect_reply<v1::MeetingReply>(
        meeting_frame(&v1::ClientFrame::mutable_meeting_start, id));
    (void)alice.expect_reply<v1::MeetingReply>(
        meeting_frame(&v1::ClientFrame::mutable_meeting_join, id));
    (void)bob.expect_reply<v1::MeetingReply>(
        meeting_frame(&v1::ClientFrame::mutable_meeting_join, id));
    const auto head_before = alice.history("branch", std::nullopt, std::nullopt, 1).latest_seq();

    send_signal(alice, id, "bob", Kind::OFFER, R"({"type":"offer"})");  // n0 -> n1
    expect_signal(bob, alice, Kind::OFFER, R"({"type":"offer"})");
    send_signal(bob, id, "alice", Kind::ANSWER, R"({"type":"answer"})",
                alice.connect_reply().session_id());  // n1 -> n0
    expect_signal(alice, bob, Kind::ANSWER, R"({"type":"answer"})");
    // The host (on n1) joins too; a signal from n0 reaches them, and one from n1 reaches n0.
    (void)host.expect_reply<v1::MeetingReply>(
        meeting_frame(&v1::ClientFrame::mutable_meeting_join, id));
    send_signal(alice, id, "secretary", Kind::ICE, "candidate");
    expect_signal(host, alice, Kind::ICE, "candidate");

    // bob's other connection (on n0) had not joined: the offer was not handed to it. Once it
    // joins, the next signal to it is the marker sent after the offer along the same path.
    (void)bob_idle.expect_reply<v1::MeetingReply>(
        meeting_frame(&v1::ClientFrame::mutable_meeting_join, id));
    send_signal(host, id, "bob", Kind::BYE, "marker", bob_idle.connect_reply().session_id());
    expect_signal(bob_idle, host, Kind::BYE, "marker");

    // None of it is on the log, seen from either node: only the host's JOINED (bob's second
    // connection joining changes nothing public).
    EXPECT_EQ(alice.history("branch", std::nullopt, std::nullopt, 1).latest_seq(), head_before + 1);
    const auto page = bob.history("branch", head_before, std::nullopt, 100);
    ASSERT_EQ(page.events_size(), 1);
    for (const auto& event : page.events())
        EXPECT_TRUE(event.has_meeting()) << client::to_json(event);
}

INSTANTIATE_TEST_SUITE_P(Redis, MeetingSignalAcrossNodesTest, each_topology(), topology_name);

}  // namespace
}  // namespace muster::test
