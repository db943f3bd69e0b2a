// Attendance against a scripted timeline (the manual clock): members join, drop (TCP gone),
// come back within the grace and after it, leave; the report's totals, as JSON and as CSV.

#include <ctime>

#include "meeting_fixture.hpp"

namespace muster::test {
namespace {

class MeetingAttendanceTest : public MeetingTest {};

std::string utc(std::int64_t ms) {
    const auto seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
    return text;
}

std::vector<std::string> csv_lines(const std::string& body) {
    std::vector<std::string> lines;
    for (std::size_t at = 0; at < body.size();) {
        const auto end = body.find("\r\n", at);
        if (end == std::string::npos) {
            ADD_FAILURE() << "a CSV row without CRLF: " << body.substr(at);
            break;
        }
        lines.push_back(body.substr(at, end - at));
        at = end + 2;
    }
    return lines;
}

TEST_P(MeetingAttendanceTest, totals_follow_joins_drops_rejoins_and_leaves) {
    start();
    branch({{"alice", "王丽"}, {"bob", "Bob, Jr."}, {"carol", "Carol \"CC\""}, {"dave", "赵四"}});
    auto host = connect("secretary", "书记");  // the report names people as the roster does
    const std::string id = schedule(host);
    const std::int64_t s = meeting_call(host, start_frame(id)).state().started_at_ms();
    auto alice = std::make_unique<TestClient>(connect("alice", "王丽"));
    auto bob = std::make_unique<TestClient>(connect("bob", "Bob, Jr."));
    for (auto* c : {&host, alice.get(), bob.get()}) meeting_call(*c, join_frame(id));
    for (auto change :
         {Change::SCHEDULED, Change::STARTED, Change::JOINED, Change::JOINED, Change::JOINED}) {
        expect_update(host, change);
    }

    advance(5 * minute);  // S+5: carol comes
    auto carol = connect("carol", "Carol \"CC\"");
    meeting_call(carol, join_frame(id));
    expect_update(host, Change::JOINED, "carol");

    advance(1 * minute);  // S+6: the roll, two answer
    meeting_call(host, roll_frame(id, 120));
    meeting_call(*alice, answer_frame(id));
    meeting_call(carol, answer_frame(id));
    expect_update(host, Change::ROLL_CALL_OPENED);
    expect_update(host, Change::ROLL_ANSWERED, "alice");
    expect_update(host, Change::ROLL_ANSWERED, "carol");
    advance(2 * minute);  // S+8
    expect_update(host, Change::ROLL_CALL_CLOSED);

    advance(2 * minute);  // S+10: bob's phone loses the network...
    bob->abort();
    EXPECT_EQ(expect_update(host, Change::AWAY, "bob").participant().away_since_ms(),
              s + 10 * minute);
    advance(30'000);  // ...and is back within the grace: one unbroken interval
    bob = std::make_unique<TestClient>(connect("bob", "Bob, Jr."));
    meeting_call(*bob, join_frame(id));
    expect_update(host, Change::BACK, "bob");

    advance(9 * minute + 30'000);  // S+20: alice's goes, and she stays away past the grace
    alice->abort();
    expect_update(host, Change::AWAY, "alice");
    advance(grace_ms);  // S+21
    EXPECT_EQ(expect_update(host, Change::DROPPED, "alice").participant_count(), 3U);
    EXPECT_EQ(users_of(meeting_call(host, get_frame(id)).state()),
              (std::vector<std::string>{"secretary", "bob", "carol"}));

    // A report mid-meeting: alice's interval ended when her connection did.
    auto live = report(id);
    ASSERT_NE(attendee(live, "alice"), nullptr);
    EXPECT_EQ(attendee(live, "alice")->present_ms(), 20 * minute);
    EXPECT_EQ(attendee(live, "alice")->last_leave_ms(), s + 20 * minute);
    EXPECT_EQ(attendee(live, "bob")->present_ms(), 21 * minute);
    EXPECT_EQ(attendee(live, "bob")->last_leave_ms(), 0);  // still here

    advance(4 * minute);  // S+25: alice is back: a new interval
    alice = std::make_unique<TestClient>(connect("alice", "王丽"));
    meeting_call(*alice, join_frame(id));
    expect_update(host, Change::JOINED, "alice");
    advance(5 * minute);  // S+30: carol leaves
    meeting_call(carol, leave_frame(id));
    expect_update(host, Change::LEFT, "carol");
    advance(10 * minute);  // S+40: the end
    meeting_call(host, end_frame(id));
    expect_update(host, Change::ENDED);

    const auto final_report = report(id);
    EXPECT_EQ(final_report.meeting().phase(), v1::MeetingState::ENDED);
    struct Expected {
        std::string user;
        std::int64_t first, last, present;
        bool roll;
    };
    const std::vector<Expected> expected = {
        {"alice", s, s + 40 * minute, 35 * minute, true},
        {"bob", s, s + 40 * minute, 40 * minute, false},
        {"secretary", s, s + 40 * minute, 40 * minute, false},
        {"carol", s + 5 * minute, s + 30 * minute, 25 * minute, true},
    };
    ASSERT_EQ(final_report.attendees_size(), static_cast<int>(expected.size()));
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto& a = final_report.attendees(static_cast<int>(i));
        SCOPED_TRACE(expected[i].user);
        EXPECT_EQ(a.user(), expected[i].user);
        EXPECT_EQ(a.first_join_ms(), expected[i].first);
        EXPECT_EQ(a.last_leave_ms(), expected[i].last);
        EXPECT_EQ(a.present_ms(), expected[i].present);
        EXPECT_EQ(a.roll(), expected[i].roll);
    }
    EXPECT_EQ(list(final_report.absent()), std::vector<std::string>{"dave"});
    // Every field is in the JSON, false and 0 included.
    const auto json = attendance(id, "secretary");
    EXPECT_NE(json.body.find("\"roll\":false"), std::string::npos) << json.body;
    EXPECT_NE(json.body.find("\"presentMs\":\"2100000\""), std::string::npos) << json.body;

    // The same as CSV: BOM, header, RFC 4180 quoting, UTF-8 names, the absentee included.
    const auto csv = attendance(id, "secretary", "csv");
    ASSERT_EQ(csv.status, 200);
    EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
    ASSERT_EQ(csv.body.rfind("\xEF\xBB\xBF", 0), 0U) << "no UTF-8 byte-order mark";
    const auto lines = csv_lines(csv.body.substr(3));
    const std::string start = utc(s);
    const std::string end = utc(s + 40 * minute);
    EXPECT_EQ(
        lines,
        (std::vector<std::string>{
            "user,name,attended,first_join_utc,last_leave_utc,present_minutes,present_ms,roll,"
            "audio_s,video_s",
            "alice,王丽,yes," + start + "," + end + ",35.0,2100000,yes,0,0",
            "bob,\"Bob, Jr.\",yes," + start + "," + end + ",40.0,2400000,no,0,0",
            "secretary,Secretary,yes," + start + "," + end + ",40.0,2400000,no,0,0",
            "carol,\"Carol \"\"CC\"\"\",yes," + utc(s + 5 * minute) + "," + utc(s + 30 * minute) +
                ",25.0,1500000,yes,0,0",
            "dave,赵四,no,,,0.0,0,no,0,0",
        }));
}

TEST_P(MeetingAttendanceTest, joining_early_counts_from_the_start_and_ending_closes_everyone) {
    start();
    branch({{"alice", "Alice"}, {"bob", "Bob"}});
    auto host = connect("secretary");
    auto alice = connect("alice");
    auto bob = connect("bob");
    const std::string id = schedule(host);
    meeting_call(alice, join_frame(id));  // waits in the scheduled meeting
    advance(10 * minute);
    const std::int64_t s = meeting_call(host, start_frame(id)).state().started_at_ms();
    meeting_call(bob, join_frame(id));
    advance(3 * minute);
    bob.abort();  // lost, and the meeting ends within his grace: his interval ends at the loss
    for (auto change : {Change::SCHEDULED, Change::JOINED, Change::STARTED, Change::JOINED}) {
        expect_update(alice, change);
    }
    expect_update(alice, Change::AWAY, "bob");
    advance(30'000);
    meeting_call(host, end_frame(id));
    const auto r = report(id);
    ASSERT_EQ(r.attendees_size(), 2);
    EXPECT_EQ(attendee(r, "alice")->first_join_ms(), s);
    EXPECT_EQ(attendee(r, "alice")->present_ms(), 3 * minute + 30'000);
    EXPECT_EQ(attendee(r, "bob")->present_ms(), 3 * minute);
    EXPECT_EQ(list(r.absent()), std::vector<std::string>{"secretary"});
}

TEST_P(MeetingAttendanceTest, media_time_counts_live_time_with_microphone_and_camera_on) {
    start();
    branch({{"alice", "王丽"}, {"bob", "Bob"}, {"dave", "赵四"}});
    auto host = connect("secretary", "书记");
    auto alice = connect("alice", "王丽");
    auto bob = std::make_unique<TestClient>(connect("bob", "Bob"));
    const std::string id = schedule(host);
    meeting_call(host, join_frame(id));
    meeting_call(alice, join_frame(id));
    meeting_call(alice, media_frame(id, true, false));  // early: not counted before the start
    advance(3 * minute);
    const std::int64_t s = meeting_call(host, start_frame(id)).state().started_at_ms();
    for (auto change :
         {Change::SCHEDULED, Change::JOINED, Change::JOINED, Change::MEDIA, Change::STARTED}) {
        expect_update(host, change);
    }

    advance(2 * minute);  // S+2: alice's camera, bob comes with his microphone on
    meeting_call(alice, media_frame(id, true, true));
    meeting_call(*bob, join_frame(id));
    meeting_call(*bob, media_frame(id, true, false));
    advance(3 * minute);  // S+5: the host mutes alice; her camera stays on
    meeting_call(host, media_frame(id, false, true, "alice"));
    advance(30'500);  // S+5:30.5: bob's microphone off and on again (no double counting)
    meeting_call(*bob, media_frame(id, false, false));
    meeting_call(*bob, media_frame(id, true, false));
    advance(30'000);  // S+6:00.5
    for (auto change : {Change::MEDIA, Change::JOINED, Change::MEDIA, Change::MEDIA, Change::MEDIA,
                        Change::MEDIA}) {
        expect_update(host, change);
    }

    // Mid-meeting: open stretches count up to now, in whole seconds.
    auto live = report(id);
    ASSERT_NE(attendee(live, "alice"), nullptr);
    EXPECT_EQ(attendee(live, "alice")->audio_s(), 5 * 60);
    EXPECT_EQ(attendee(live, "alice")->video_s(), 4 * 60);
    EXPECT_EQ(attendee(live, "bob")->audio_s(), 4 * 60);
    EXPECT_EQ(attendee(live, "bob")->video_s(), 0);
    EXPECT_EQ(attendee(live, "secretary")->audio_s(), 0);

    bob->abort();  // lost with the microphone on, and not back within the grace
    expect_update(host, Change::AWAY, "bob");
    advance(grace_ms);
    expect_update(host, Change::DROPPED, "bob");
    advance(2 * minute);
    meeting_call(host, end_frame(id));
    expect_update(host, Change::ENDED);
    const std::int64_t e = s + 6 * minute + 500 + grace_ms + 2 * minute;

    const auto final_report = report(id);
    EXPECT_EQ(attendee(final_report, "alice")->audio_s(), 5 * 60);
    EXPECT_EQ(attendee(final_report, "alice")->video_s(), (e - (s + 2 * minute)) / 1000);
    EXPECT_EQ(attendee(final_report, "bob")->audio_s(), 4 * 60);  // up to the loss
    const auto json = attendance(id, "secretary");
    EXPECT_NE(json.body.find("\"audioS\":\"300\""), std::string::npos) << json.body;
    EXPECT_NE(json.body.find("\"videoS\":\"0\""), std::string::npos) << json.body;

    const auto csv = attendance(id, "secretary", "csv");
    ASSERT_EQ(csv.status, 200);
    const auto lines = csv_lines(csv.body.substr(3));
    ASSERT_EQ(lines.size(), 5U) << csv.body;
    EXPECT_EQ(lines[0],
              "user,name,attended,first_join_utc,last_leave_utc,present_minutes,present_ms,roll,"
              "audio_s,video_s");
    const auto ends_with = [](const std::string& line, const std::string& tail) {
        return line.size() >= tail.size() &&
               line.compare(line.size() - tail.size(), tail.size(), tail) == 0;
    };
    EXPECT_TRUE(lines[1].starts_with("alice,") &&
                ends_with(lines[1], ",no,300," + std::to_string((e - s - 2 * minute) / 1000)))
        << lines[1];
    EXPECT_TRUE(lines[2].starts_with("secretary,") && ends_with(lines[2], ",no,0,0")) << lines[2];
    EXPECT_TRUE(lines[3].starts_with("bob,") && ends_with(lines[3], ",no,240,0")) << lines[3];
    EXPECT_EQ(lines[4], "dave,赵四,no,,,0.0,0,no,0,0");
}

INSTANTIATE_TEST_SUITE_P(Backends, MeetingAttendanceTest, testing::ValuesIn(all_backends()),
                         backend_name);

}  // namespace
}  // namespace muster::test
