// A meeting from schedule to end: every change an update on the group log, the full state in
// the reply to a join, in-session chat, a member who reconnects mid-meeting.

#include "meeting_fixture.hpp"

namespace muster::test {
namespace {

class MeetingLifecycleTest : public MeetingTest {};

TEST_P(MeetingLifecycleTest, every_change_is_an_update_on_the_group_log) {
    start();
    branch({{"alice", "王丽"}, {"bob", "Bob"}});
    auto host = connect("secretary", "书记");
    auto alice = connect("alice", "王丽");
    auto bob = connect("bob", "Bob");

    const std::string id = schedule(host);
    for (auto* c : {&host, &alice, &bob}) {
        const auto update = expect_update(*c, Change::SCHEDULED, "secretary");
        EXPECT_EQ(update.meeting_id(), id);
        EXPECT_EQ(update.state().phase(), v1::MeetingState::SCHEDULED);
        EXPECT_EQ(update.state().title(), "月度组织生活会");
        EXPECT_EQ(update.state().host(), "secretary");
        EXPECT_EQ(update.state().agenda_index(), -1);
    }

    auto started = meeting_call(host, start_frame(id));
    EXPECT_EQ(started.state().phase(), v1::MeetingState::LIVE);
    EXPECT_EQ(started.state().started_at_ms(), now());
    EXPECT_EQ(expect_update(bob, Change::STARTED, "secretary").phase(), v1::MeetingState::LIVE);

    const auto joined = meeting_call(alice, join_frame(id));
    EXPECT_GT(joined.seq(), started.seq());
    EXPECT_EQ(users_of(joined.state()), std::vector<std::string>{"alice"});
    EXPECT_EQ(joined.state().participants(0).name(), "王丽");
    // Updates carry the change, not the whole state: who joined, and how many are there.
    const auto update = expect_update(bob, Change::JOINED, "alice");
    EXPECT_EQ(update.participant().user(), "alice");
    EXPECT_EQ(update.participant().name(), "王丽");
    EXPECT_EQ(update.participant_count(), 1U);
    EXPECT_TRUE(update.state().participants().empty());
    EXPECT_EQ(update.state().title(), "月度组织生活会");
    // Joining again (another device) changes nothing: no update, seq 0.
    auto again = TestClient::connect(server(), "alice", {.name = "王丽"});
    EXPECT_EQ(meeting_call(again, join_frame(id)).seq(), 0U);

    meeting_call(host, share_frame(id, "学习视频", "https://example.org/video"));
    expect_update(bob, Change::SHARED, "secretary");
    meeting_call(host, agenda_frame(id, 1));
    EXPECT_EQ(expect_update(bob, Change::AGENDA_ITEM).state().agenda_index(), 1);
    meeting_call(alice, raise_frame(id));
    expect_update(bob, Change::HAND_RAISED, "alice");

    // In-session chat: group chat tagged with the meeting.
    auto chat = alice.session().publish("branch", "我想发言", {}, id);
    ASSERT_TRUE(chat);
    const auto said = next_logged(bob);
    ASSERT_TRUE(said.has_chat());
    EXPECT_EQ(said.chat().meeting_id(), id);

    // Bob joins late: one reply holds everything so far.
    const auto snapshot = meeting_call(bob, join_frame(id)).state();
    EXPECT_EQ(snapshot.phase(), v1::MeetingState::LIVE);
    EXPECT_EQ(snapshot.agenda_index(), 1);
    ASSERT_EQ(snapshot.shared_size(), 1);
    EXPECT_EQ(snapshot.shared(0).url(), "https://example.org/video");
    EXPECT_EQ(list(snapshot.hands()), std::vector<std::string>{"alice"});
    EXPECT_EQ(users_of(snapshot), (std::vector<std::string>{"alice", "bob"}));
    expect_update(bob, Change::JOINED, "bob");

    const auto ended = meeting_call(host, end_frame(id));
    EXPECT_EQ(ended.state().phase(), v1::MeetingState::ENDED);
    EXPECT_TRUE(ended.state().participants().empty());
    EXPECT_TRUE(ended.state().hands().empty());
    EXPECT_EQ(expect_update(bob, Change::ENDED, "secretary").phase(), v1::MeetingState::ENDED);
    EXPECT_EQ(meeting_call(bob, get_frame(id)).state().phase(), v1::MeetingState::ENDED);
    // The state over HTTP, for members.
    const auto http =
        http_call(server(), "GET", "/api/v1/meetings/" + id, {}, server().token("bob"));
    EXPECT_EQ(http.status, 200);
    EXPECT_NE(http.body.find("\"ENDED\""), std::string::npos);
}

TEST_P(MeetingLifecycleTest, a_member_who_reconnects_gets_the_state_then_live_updates) {
    start();
    branch({{"alice", "Alice"}, {"bob", "Bob"}});
    auto host = connect("secretary");
    auto alice = connect("alice");
    const std::string id = schedule(host);
    meeting_call(host, start_frame(id));
    meeting_call(host, join_frame(id));
    {
        auto bob = connect("bob");
        meeting_call(bob, join_frame(id));
        meeting_call(bob, raise_frame(id));
        bob.abort();  // the phone loses its network
    }
    for (auto change : {Change::SCHEDULED, Change::STARTED, Change::JOINED, Change::JOINED,
                        Change::HAND_RAISED}) {
        expect_update(alice, change);
    }
    const auto away = expect_update(alice, Change::AWAY, "bob");
    EXPECT_EQ(away.participant().user(), "bob");
    EXPECT_EQ(away.participant().away_since_ms(), now());
    meeting_call(host, share_frame(id, "文件", "https://example.org/doc.pdf"));
    meeting_call(host, floor_frame(id, "bob"));  // still a participant during the grace
    EXPECT_EQ(expect_update(alice, Change::SHARED).shared().url(), "https://example.org/doc.pdf");
    expect_update(alice, Change::FLOOR_GRANTED, "bob");

    advance(30'000);  // within the grace period
    auto bob = connect("bob");
    const auto back = meeting_call(bob, join_frame(id));
    EXPECT_GT(back.seq(), 0U);
    const auto& state = back.state();
    EXPECT_EQ(users_of(state), (std::vector<std::string>{"secretary", "bob"}));
    EXPECT_EQ(state.participants(1).away_since_ms(), 0);
    EXPECT_EQ(state.floor(), "bob");
    EXPECT_TRUE(state.hands().empty());  // the floor took the hand out
    ASSERT_EQ(state.shared_size(), 1);
    expect_update(bob, Change::BACK, "bob");
    meeting_call(host, agenda_frame(id, 0));
    expect_update(bob, Change::AGENDA_ITEM);  // then live
}

TEST_P(MeetingLifecycleTest, a_retried_schedule_with_the_same_client_msg_id_makes_one_meeting) {
    start();
    branch({{"alice", "王丽"}});
    add_member(server(), "branch", "deputy", "coordinator", "Deputy");
    auto alice = connect("alice", "王丽");
    v1::ClientFrame frame;
    auto* command = frame.mutable_meeting_schedule();
    command->set_group("branch");
    command->set_title("月度组织生活会");
    command->set_client_msg_id("2026-12-monthly");

    v1::MeetingScheduleReply first;
    {
        auto host = TestClient::connect(server(), "secretary");
        first = host.expect_reply<v1::MeetingScheduleReply>(frame);
        EXPECT_FALSE(first.duplicate());
    }
    EXPECT_EQ(expect_update(alice, Change::SCHEDULED, "secretary").meeting_id(),
              first.meeting_id());
    // The host's phone lost the reply with the connection and sends it again, on a new one.
    auto host = TestClient::connect(server(), "secretary");
    const auto retry = host.expect_reply<v1::MeetingScheduleReply>(frame);
    EXPECT_TRUE(retry.duplicate());
    EXPECT_EQ(retry.meeting_id(), first.meeting_id());
    EXPECT_EQ(retry.seq(), first.seq());
    alice.expect_quiet(alice, "branch");  // no second notice

    // Still the same meeting once it runs; another coordinator's key is theirs.
    meeting_call(host, start_frame(first.meeting_id()));
    EXPECT_EQ(expect_update(alice, Change::STARTED).meeting_id(), first.meeting_id());
    EXPECT_EQ(host.expect_reply<v1::MeetingScheduleReply>(frame).meeting_id(), first.meeting_id());
    auto deputy = TestClient::connect(server(), "deputy");
    const auto other = deputy.expect_reply<v1::MeetingScheduleReply>(frame);
    EXPECT_FALSE(other.duplicate());
    EXPECT_NE(other.meeting_id(), first.meeting_id());
    command->set_client_msg_id("no spaces");
    host.expect_error(frame, v1::Error::INVALID_ARGUMENT);
}

INSTANTIATE_TEST_SUITE_P(Backends, MeetingLifecycleTest, testing::ValuesIn(all_backends()),
                         backend_name);

}  // namespace
}  // namespace muster::test
