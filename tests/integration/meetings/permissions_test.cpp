// Who may do what in a meeting, and what bad input gets.

#include "meeting_fixture.hpp"

namespace muster::test {
namespace {

class MeetingPermissionsTest : public MeetingTest {};

TEST_P(MeetingPermissionsTest, members_cannot_run_the_meeting_but_co_hosts_can) {
    start();
    create_group(server(), "district");
    branch({{"alice", "Alice"}, {"bob", "Bob"}, {"deputy", "Deputy"}});
    // The branch is under the district; its coordinator coordinates the branch too.
    ASSERT_EQ(admin_http(server(), "PUT", "/api/v1/groups/branch",
                         R"({"name":"branch","parent":"district"})")
                  .status,
              200);
    add_member(server(), "district", "director", "coordinator");
    auto host = connect("secretary");
    auto alice = connect("alice");
    auto deputy = connect("deputy");
    auto mallory = TestClient::connect(server(), "mallory");

    v1::ClientFrame by_member;
    by_member.mutable_meeting_schedule()->set_group("branch");
    by_member.mutable_meeting_schedule()->set_title("mine");
    alice.expect_error(by_member, v1::Error::FORBIDDEN);

    const std::string id = schedule(host, {"one", "two"}, {"deputy"});
    alice.expect_error(start_frame(id), v1::Error::FORBIDDEN);
    mallory.expect_error(join_frame(id), v1::Error::FORBIDDEN);
    mallory.expect_error(get_frame(id), v1::Error::FORBIDDEN);
    meeting_call(deputy, start_frame(id));  // a co-host shares host powers

    meeting_call(alice, join_frame(id));
    meeting_call(alice, raise_frame(id));
    alice.expect_error(roll_frame(id, 30), v1::Error::FORBIDDEN);
    alice.expect_error(floor_frame(id, "alice"), v1::Error::FORBIDDEN);
    alice.expect_error(share_frame(id, "x", "https://example.org"), v1::Error::FORBIDDEN);
    alice.expect_error(agenda_frame(id, 1), v1::Error::FORBIDDEN);
    auto bob = connect("bob");
    bob.expect_error(lower_frame(id, "alice"), v1::Error::FORBIDDEN);  // another's hand
    meeting_call(deputy, lower_frame(id, "alice"));
    alice.expect_error(end_frame(id), v1::Error::FORBIDDEN);

    // The report: hosts and coordinators (also of an ancestor), not members or strangers.
    EXPECT_EQ(attendance(id, "alice").status, 403);
    EXPECT_EQ(attendance(id, "mallory").status, 403);
    EXPECT_EQ(attendance(id, "deputy").status, 200);
    EXPECT_EQ(attendance(id, "secretary").status, 200);
    EXPECT_EQ(attendance(id, "director").status, 200);

    meeting_call(host, end_frame(id));
}

TEST_P(MeetingPermissionsTest, bad_input_is_refused_with_the_right_code) {
    start({"--meeting.max_agenda_items=3", "--meeting.max_roll_window_s=600"});
    branch({{"alice", "Alice"}});
    auto host = connect("secretary");
    auto alice = connect("alice");

    // Scheduling.
    v1::ClientFrame frame;
    auto* command = frame.mutable_meeting_schedule();
    command->set_group("branch");
    host.expect_error(frame, v1::Error::INVALID_ARGUMENT);  // no title
    command->set_title("t");
    command->set_group("no-such-group");
    host.expect_error(frame, v1::Error::NOT_FOUND);
    command->set_group("branch");
    command->add_co_hosts("stranger");
    host.expect_error(frame, v1::Error::INVALID_ARGUMENT);  // co-hosts must be members
    command->clear_co_hosts();
    for (int i = 0; i < 4; ++i) command->add_agenda("item");
    host.expect_error(frame, v1::Error::TOO_LARGE);

    // Unknown meetings.
    for (const auto& f : {join_frame("mt_nope"), start_frame("mt_nope"), get_frame("mt_nope")}) {
        alice.expect_error(f, v1::Error::NOT_FOUND);
    }
    EXPECT_EQ(attendance("mt_nope", "secretary").status, 404);
    alice.expect_error(join_frame(""), v1::Error::INVALID_ARGUMENT);

    const std::string id = schedule(host, {"one", "two"});
    alice.expect_error(raise_frame(id), v1::Error::CONFLICT);  // not live yet
    meeting_call(host, start_frame(id));
    host.expect_error(start_frame(id), v1::Error::CONFLICT);
    alice.expect_error(raise_frame(id), v1::Error::CONFLICT);   // not joined
    alice.expect_error(answer_frame(id), v1::Error::CONFLICT);  // no roll call open
    host.expect_error(agenda_frame(id, 2), v1::Error::INVALID_ARGUMENT);
    host.expect_error(agenda_frame(id, -1), v1::Error::INVALID_ARGUMENT);
    host.expect_error(roll_frame(id, 601), v1::Error::INVALID_ARGUMENT);
    host.expect_error(share_frame(id, "x", "javascript:alert(1)"), v1::Error::INVALID_ARGUMENT);
    host.expect_error(share_frame(id, "x", ""), v1::Error::INVALID_ARGUMENT);
    host.expect_error(floor_frame(id, "alice"), v1::Error::CONFLICT);  // not in the meeting
    EXPECT_EQ(attendance(id, "secretary", "xml").status, 400);

    // Ended: everything but reading is a conflict.
    meeting_call(host, end_frame(id));
    for (const auto& f :
         {start_frame(id), end_frame(id), join_frame(id), leave_frame(id), raise_frame(id),
          roll_frame(id, 30), agenda_frame(id, 0), share_frame(id, "x", "https://example.org")}) {
        host.expect_error(f, v1::Error::CONFLICT);
    }
    EXPECT_EQ(meeting_call(alice, get_frame(id)).state().phase(), v1::MeetingState::ENDED);
}

TEST_P(MeetingPermissionsTest, in_session_chat_must_name_a_meeting_of_its_group) {
    start();
    branch({{"alice", "Alice"}});
    create_group(server(), "second", "第二党支部");
    add_member(server(), "second", "secretary", "coordinator", "Secretary");
    add_member(server(), "second", "alice", "member", "Alice");
    auto host = connect("secretary");
    auto alice = connect("alice");
    const std::string here = schedule(host);
    v1::ClientFrame other_meeting;
    other_meeting.mutable_meeting_schedule()->set_group("second");
    other_meeting.mutable_meeting_schedule()->set_title("另一个会");
    const std::string there =
        host.expect_reply<v1::MeetingScheduleReply>(other_meeting).meeting_id();

    auto chat = [](const std::string& meeting) {
        v1::ClientFrame frame;
        frame.mutable_publish()->set_group("branch");
        frame.mutable_publish()->set_text("我想发言");
        frame.mutable_publish()->set_meeting_id(meeting);
        return frame;
    };
    alice.expect_error(chat("mt_nope"), v1::Error::NOT_FOUND);
    alice.expect_error(chat(there), v1::Error::INVALID_ARGUMENT);  // a meeting of "second"
    const auto said = alice.expect_reply<v1::PublishReply>(chat(here));
    EXPECT_GT(said.seq(), 0U);
    // Over HTTP the same.
    const auto refused =
        http_call(server(), "POST", "/api/v1/groups/branch/messages",
                  R"({"text":"hi","meetingId":")" + there + R"("})", server().token("alice"));
    EXPECT_EQ(refused.status, 400) << refused.body;
    // Untagged chat is not checked at all.
    v1::ClientFrame plain = chat("");
    EXPECT_GT(alice.expect_reply<v1::PublishReply>(plain).seq(), said.seq());
}

INSTANTIATE_TEST_SUITE_P(Backends, MeetingPermissionsTest, testing::ValuesIn(all_backends()),
                         backend_name);

}  // namespace
}  // namespace muster::test
