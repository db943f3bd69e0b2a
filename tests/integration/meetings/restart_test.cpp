// A node restart in the middle of a live meeting: the state and the attendance survive, members
// who come back within the grace keep one unbroken interval, one who does not is dropped at the
// time the node went away, by a timer rebuilt from the store.

#include "meeting_fixture.hpp"

namespace muster::test {
namespace {

class MeetingRestartTest : public MeetingTest {
  protected:
    void restart_during_a_live_meeting(bool kill) {
        start();
        branch({{"alice", "Alice"}, {"bob", "Bob"}});
        std::string id;
        std::int64_t s = 0;
        std::uint64_t last_seq = 0;
        {
            auto host = connect("secretary");
            auto alice = connect("alice");
            auto bob = connect("bob");
            id = schedule(host, {"one", "two", "three"});
            s = meeting_call(host, start_frame(id)).state().started_at_ms();
            for (auto* c : {&host, &alice, &bob}) meeting_call(*c, join_frame(id));
            meeting_call(host, agenda_frame(id, 2));
            meeting_call(host, share_frame(id, "doc", "https://example.org/doc"));
            meeting_call(bob, raise_frame(id));
            meeting_call(host, roll_frame(id, 3600));
            last_seq = meeting_call(alice, answer_frame(id)).seq();
            advance(10 * minute);  // S+10: the node goes down
            restart_keeping_time(kill);
        }

        // Everyone reconnects; the log resumes where each left off, and the state is intact.
        auto host = TestClient::connect(server(), "secretary");
        host.subscribe("branch", last_seq);
        const auto state = meeting_call(host, get_frame(id)).state();
        EXPECT_EQ(state.phase(), v1::MeetingState::LIVE);
        EXPECT_EQ(state.agenda_index(), 2);
        ASSERT_EQ(state.shared_size(), 1);
        EXPECT_EQ(list(state.hands()), std::vector<std::string>{"bob"});
        EXPECT_TRUE(state.roll_call().open());
        EXPECT_EQ(list(state.roll_call().present()), std::vector<std::string>{"alice"});
        EXPECT_EQ(users_of(state), (std::vector<std::string>{"secretary", "alice", "bob"}));
        for (const auto& p : state.participants()) {
            EXPECT_EQ(p.away_since_ms(), s + 10 * minute)
                << p.user();  // on grace since the restart
            EXPECT_EQ(p.joined_ms(), s) << p.user();
        }
        // What was logged about it: AWAY updates, nothing else.
        const auto away = next_logged(host);
        ASSERT_TRUE(away.has_meeting()) << client::to_json(away);
        EXPECT_EQ(away.meeting().change(), Change::AWAY);

        // The host and alice come back within the grace; bob does not.
        meeting_call(host, join_frame(id));
        auto alice = connect("alice");
        EXPECT_GT(meeting_call(alice, join_frame(id)).seq(), 0U);
        expect_update(alice, Change::BACK, "alice");
        advance(grace_ms);  // S+11: bob's grace runs out (timer rebuilt at start-up)
        const auto dropped = expect_update(alice, Change::DROPPED, "bob");
        EXPECT_EQ(dropped.participant_count(), 2U);
        EXPECT_EQ(dropped.hand_count(), 0U);
        const auto after = meeting_call(alice, get_frame(id)).state();
        EXPECT_EQ(users_of(after), (std::vector<std::string>{"secretary", "alice"}));
        EXPECT_TRUE(after.hands().empty());

        advance(9 * minute);  // S+20
        meeting_call(host, end_frame(id));
        const auto r = report(id);
        ASSERT_EQ(r.attendees_size(), 3);
        EXPECT_EQ(attendee(r, "secretary")->present_ms(), 20 * minute);
        EXPECT_EQ(attendee(r, "alice")->present_ms(), 20 * minute);
        EXPECT_TRUE(attendee(r, "alice")->roll());
        EXPECT_EQ(attendee(r, "bob")->present_ms(), 10 * minute);
        EXPECT_EQ(attendee(r, "bob")->last_leave_ms(), s + 10 * minute);
    }
};

TEST_P(MeetingRestartTest, a_graceful_restart_keeps_state_and_attendance) {
    restart_during_a_live_meeting(/*kill=*/false);
}

TEST_P(MeetingRestartTest, a_crash_keeps_state_and_attendance) {
    restart_during_a_live_meeting(/*kill=*/true);
}

TEST_P(MeetingRestartTest, a_grace_that_ran_out_while_the_node_was_down_drops_at_start_up) {
    start();
    branch({{"alice", "Alice"}});
    std::string id;
    std::int64_t lost = 0;
    std::uint64_t seq = 0;
    {
        auto host = connect("secretary");
        auto alice = connect("alice");
        id = schedule(host);
        meeting_call(host, start_frame(id));
        meeting_call(alice, join_frame(id));
        advance(minute);
        alice.abort();
        for (auto change : {Change::SCHEDULED, Change::STARTED, Change::JOINED})
            expect_update(host, change);
        const auto away = next_logged(host);
        ASSERT_EQ(away.meeting().change(), Change::AWAY);
        lost = away.meeting().participant().away_since_ms();
        seq = away.seq();
        // The node goes down within alice's grace and comes back long after it.
        server().stop();
        server().set_option("debug.manual_clock_start_ms", std::to_string(lost + 10 * minute));
        ASSERT_TRUE(server().restart(ServerProcess::Port::same));
    }
    // The timer rebuilt at start-up is already due: alice is dropped at the loss.
    auto host = TestClient::connect(server(), "secretary");
    host.subscribe("branch", seq);
    const auto dropped = expect_update(host, Change::DROPPED, "alice");
    EXPECT_EQ(dropped.participant_count(), 0U);
    const auto r = report(id);
    ASSERT_NE(attendee(r, "alice"), nullptr);
    EXPECT_EQ(attendee(r, "alice")->present_ms(), minute);
    EXPECT_EQ(attendee(r, "alice")->last_leave_ms(), lost);
}

INSTANTIATE_TEST_SUITE_P(Backends, MeetingRestartTest, testing::ValuesIn(all_backends()),
                         backend_name);

}  // namespace
}  // namespace muster::test
