// Raised hands form a FIFO queue, granting the floor takes the hand out; a roll call closes by
// its window (the manual clock) with who answered and who did not.

#include "meeting_fixture.hpp"

namespace muster::test {
namespace {

class MeetingFloorAndRollTest : public MeetingTest {};

TEST_P(MeetingFloorAndRollTest, hands_are_raised_and_granted_in_order) {
    start();
    branch({{"alice", "Alice"}, {"bob", "Bob"}, {"carol", "Carol"}});
    auto host = connect("secretary");
    const std::string id = schedule(host);
    meeting_call(host, start_frame(id));
    auto alice = connect("alice");
    auto bob = connect("bob");
    auto carol = connect("carol");
    for (auto* c : {&alice, &bob, &carol}) meeting_call(*c, join_frame(id));

    meeting_call(bob, raise_frame(id));
    meeting_call(carol, raise_frame(id));
    meeting_call(alice, raise_frame(id));
    EXPECT_EQ(meeting_call(bob, raise_frame(id)).seq(), 0U);  // already queued: keeps its place
    EXPECT_EQ(list(meeting_call(host, get_frame(id)).state().hands()),
              (std::vector<std::string>{"bob", "carol", "alice"}));

    // The host takes them in order; each grant is an update saying who has the floor.
    for (const std::string next : {"bob", "carol"}) {
        const auto reply = meeting_call(host, floor_frame(id, next));
        EXPECT_EQ(reply.state().floor(), next);
    }
    const auto state = meeting_call(host, get_frame(id)).state();
    EXPECT_EQ(list(state.hands()), std::vector<std::string>{"alice"});
    for (auto change :
         {Change::SCHEDULED, Change::STARTED, Change::JOINED, Change::JOINED, Change::JOINED}) {
        expect_update(host, change);
    }
    expect_update(host, Change::HAND_RAISED, "bob");
    expect_update(host, Change::HAND_RAISED, "carol");
    expect_update(host, Change::HAND_RAISED, "alice");
    EXPECT_EQ(expect_update(host, Change::FLOOR_GRANTED, "bob").hand_count(), 2U);
    EXPECT_EQ(expect_update(host, Change::FLOOR_GRANTED, "carol").state().floor(), "carol");

    // Alice lowers her own hand; raising again puts her at the back.
    meeting_call(bob, raise_frame(id));
    meeting_call(alice, lower_frame(id));
    meeting_call(alice, raise_frame(id));
    EXPECT_EQ(list(meeting_call(host, get_frame(id)).state().hands()),
              (std::vector<std::string>{"bob", "alice"}));
    // Leaving takes the hand (and the floor) away.
    meeting_call(carol, leave_frame(id));
    meeting_call(bob, leave_frame(id));
    const auto after = meeting_call(host, get_frame(id)).state();
    EXPECT_EQ(list(after.hands()), std::vector<std::string>{"alice"});
    EXPECT_TRUE(after.floor().empty());
}

TEST_P(MeetingFloorAndRollTest, roll_call_answered_by_some_closes_with_present_and_absent) {
    start();
    branch({{"alice", "Alice"}, {"bob", "Bob"}, {"carol", "Carol"}, {"dave", "Dave"}});
    auto host = connect("secretary");
    const std::string id = schedule(host);
    meeting_call(host, start_frame(id));
    auto alice = connect("alice");
    auto bob = connect("bob");
    auto carol = connect("carol");
    for (auto* c : {&host, &alice, &bob, &carol}) meeting_call(*c, join_frame(id));

    const auto opened = meeting_call(host, roll_frame(id, 120)).state().roll_call();
    EXPECT_TRUE(opened.open());
    EXPECT_EQ(opened.closes_ms() - opened.opened_ms(), 120'000);
    host.expect_error(roll_frame(id, 30), v1::Error::CONFLICT);  // one at a time

    meeting_call(alice, answer_frame(id));
    advance(60'000);
    meeting_call(carol, answer_frame(id));
    EXPECT_EQ(meeting_call(carol, answer_frame(id)).seq(), 0U);  // once is enough

    // Bob subscribed after the start.
    for (auto change : {Change::JOINED, Change::JOINED, Change::JOINED, Change::JOINED,
                        Change::ROLL_CALL_OPENED}) {
        expect_update(bob, change);
    }
    expect_update(bob, Change::ROLL_ANSWERED, "alice");
    expect_update(bob, Change::ROLL_ANSWERED, "carol");

    advance(59'999);  // not yet
    meeting_call(host, agenda_frame(id, 0));
    expect_update(bob, Change::AGENDA_ITEM);  // and nothing before it
    advance(1);                               // the window closes by its timer
    const auto update = expect_update(bob, Change::ROLL_CALL_CLOSED);
    EXPECT_FALSE(update.state().roll_call().open());
    EXPECT_EQ(update.present_count(), 2U);
    EXPECT_EQ(update.absent_count(), 3U);
    // The names come with the state.
    const auto closed = meeting_call(bob, get_frame(id)).state().roll_call();
    EXPECT_FALSE(closed.open());
    EXPECT_EQ(list(closed.present()), (std::vector<std::string>{"alice", "carol"}));
    // Members who did not answer, whether in the meeting (bob, the host) or not (dave).
    EXPECT_EQ(list(closed.absent()), (std::vector<std::string>{"bob", "dave", "secretary"}));
    bob.expect_error(answer_frame(id), v1::Error::CONFLICT);  // too late

    meeting_call(host, end_frame(id));
    const auto report = this->report(id);
    ASSERT_NE(attendee(report, "alice"), nullptr);
    EXPECT_TRUE(attendee(report, "alice")->roll());
    EXPECT_TRUE(attendee(report, "carol")->roll());
    EXPECT_FALSE(attendee(report, "bob")->roll());
}

INSTANTIATE_TEST_SUITE_P(Backends, MeetingFloorAndRollTest, testing::ValuesIn(all_backends()),
                         backend_name);

}  // namespace
}  // namespace muster::test
