// The attendance report: totals from intervals, open presence, absentees, and the CSV shape.

#include "features/meetings/report.hpp"

#include <gtest/gtest.h>

namespace muster::features::meetings {
namespace {

namespace v1 = muster::v1;

constexpr std::int64_t t0 = 1'700'000'000'000;  // 2023-11-14 22:13:20 UTC

AttendanceSnapshot live_snapshot() {
    AttendanceSnapshot s;
    auto& state = *s.record.mutable_state();
    state.set_meeting_id("mt_1");
    state.set_group("branch");
    state.set_phase(v1::MeetingState::LIVE);
    state.set_started_at_ms(t0);
    // Alice: two closed stretches, present again now. Bob: lost, grace over. Carol: lost, grace
    // running.
    s.intervals = {{"alice", "Alice", t0, t0 + 60'000},
                   {"alice", "Alice", t0 + 120'000, t0 + 180'000}};
    auto* a = state.add_participants();
    a->set_user("alice");
    a->set_name("Alice");
    a->set_joined_ms(t0 + 240'000);
    auto* b = state.add_participants();
    b->set_user("bob");
    b->set_name("鲍勃");
    b->set_joined_ms(t0 + 10'000);
    auto* bl = s.record.add_links();
    bl->set_user("bob");
    bl->set_lost_ms(t0 + 70'000);
    bl->set_drop_at_ms(t0 + 130'000);
    auto* c = state.add_participants();
    c->set_user("carol");
    c->set_joined_ms(t0 + 200'000);
    auto* cl = s.record.add_links();
    cl->set_user("carol");
    cl->set_lost_ms(t0 + 290'000);
    cl->set_drop_at_ms(t0 + 350'000);
    s.record.add_roll_answered("bob");
    s.now_ms = t0 + 300'000;
    return s;
}

std::vector<store::MemberInfo> members() {
    return {{"alice", store::Role::member, "Alice"},
            {"bob", store::Role::member, ""},
            {"carol", store::Role::member, "Carol, \"C\""},
            {"dave", store::Role::member, "=HYPERLINK(\"x\")"},
            {"+8613800000000", store::Role::member, "电话"}};
}

TEST(MeetingReport, totals_count_closed_and_open_presence) {
    const auto report = build_report(live_snapshot(), members());
    ASSERT_EQ(report.attendees_size(), 3);
    // By first join: alice (t0), bob (t0+10s), carol (t0+200s).
    const auto& alice = report.attendees(0);
    EXPECT_EQ(alice.user(), "alice");
    EXPECT_EQ(alice.present_ms(), 60'000 + 60'000 + 60'000);
    EXPECT_EQ(alice.last_leave_ms(), 0);  // present now
    const auto& bob = report.attendees(1);
    EXPECT_EQ(bob.name(), "鲍勃");
    EXPECT_EQ(bob.present_ms(), 60'000);  // until the loss: the grace is over
    EXPECT_EQ(bob.last_leave_ms(), t0 + 70'000);
    EXPECT_TRUE(bob.roll());
    const auto& carol = report.attendees(2);
    EXPECT_EQ(carol.present_ms(), 100'000);   // grace running: counted until now
    EXPECT_EQ(carol.name(), "Carol, \"C\"");  // no name of her own: the directory's
    ASSERT_EQ(report.absent_size(), 2);
    EXPECT_EQ(report.absent(0), "+8613800000000");
    EXPECT_EQ(report.absent(1), "dave");
}

TEST(MeetingReport, csv_has_a_bom_a_header_quoting_and_every_member) {
    const auto m = members();
    const std::string csv = report_csv(build_report(live_snapshot(), m), m);
    ASSERT_EQ(csv.rfind("\xEF\xBB\xBF", 0), 0U);
    const std::string body = csv.substr(3);
    std::vector<std::string> lines;
    for (std::size_t at = 0; at < body.size();) {
        const auto end = body.find("\r\n", at);
        ASSERT_NE(end, std::string::npos) << "every row ends with CRLF";
        lines.push_back(body.substr(at, end - at));
        at = end + 2;
    }
    ASSERT_EQ(lines.size(), 6U);
    EXPECT_EQ(lines[0],
              "user,name,attended,first_join_utc,last_leave_utc,present_minutes,present_ms,roll,"
              "audio_s,video_s");
    EXPECT_EQ(lines[1], "alice,Alice,yes,2023-11-14 22:13:20,,3.0,180000,no,0,0");
    EXPECT_EQ(lines[2], "bob,鲍勃,yes,2023-11-14 22:13:30,2023-11-14 22:14:30,1.0,60000,yes,0,0");
    EXPECT_EQ(lines[3], "carol,\"Carol, \"\"C\"\"\",yes,2023-11-14 22:16:40,,1.7,100000,no,0,0");
    EXPECT_EQ(lines[4], "+8613800000000,电话,no,,,0.0,0,no,0,0");
    EXPECT_EQ(lines[5], "dave,\"'=HYPERLINK(\"\"x\"\")\",no,,,0.0,0,no,0,0");
}

TEST(MeetingReport, a_scheduled_meeting_has_only_absentees) {
    AttendanceSnapshot s;
    s.record.mutable_state()->set_phase(v1::MeetingState::SCHEDULED);
    auto* p = s.record.mutable_state()->add_participants();  // joined early: not attendance yet
    p->set_user("alice");
    p->set_joined_ms(t0);
    s.now_ms = t0 + 1000;
    const auto report = build_report(s, members());
    EXPECT_EQ(report.attendees_size(), 0);
    EXPECT_EQ(report.absent_size(), 5);
}

// Rows of absentees with the given names, as the CSV prints them (header and BOM removed).
std::vector<std::string> absentee_rows(const std::vector<std::string>& names) {
    std::vector<store::MemberInfo> m;
    for (std::size_t i = 0; i < names.size(); ++i)
        m.push_back({"u" + std::to_string(100 + i), store::Role::member, names[i]});
    const std::string csv = report_csv(build_report(AttendanceSnapshot{}, m), m);
    std::vector<std::string> rows;
    const std::string tail = ",no,,,0.0,0,no,0,0\r\n";
    std::size_t at = csv.find("\r\n") + 2;  // after the header
    while (at < csv.size()) {
        const auto end = csv.find(tail, at);
        if (end == std::string::npos) break;
        const auto comma = csv.find(',', at);
        rows.push_back(csv.substr(comma + 1, end - comma - 1));  // the name field
        at = end + tail.size();
    }
    return rows;
}

TEST(MeetingReport, csv_quotes_semicolons_tabs_and_line_breaks) {
    const auto rows = absentee_rows({"a;b", "two\nlines", "cr\rhere", "tab\there", "plain"});
    ASSERT_EQ(rows.size(), 5U);
    EXPECT_EQ(rows[0], "\"a;b\"");
    EXPECT_EQ(rows[1], "\"two\nlines\"");
    EXPECT_EQ(rows[2], "\"cr\rhere\"");
    EXPECT_EQ(rows[3], "\"tab\there\"");
    EXPECT_EQ(rows[4], "plain");
}

TEST(MeetingReport, csv_defuses_formulas_in_both_widths) {
    const auto rows = absentee_rows({"=1+1", "@SUM(A1)", "+cmd", "-2+3", "\tx", "\rx",
                                     "\xEF\xBC\x9D"
                                     "1+1",  // ＝1+1
                                     "\xEF\xBC\x8B"
                                     "cmd",  // ＋cmd
                                     "\xEF\xBC\x8D"
                                     "cmd",  // －cmd
                                     "\xEF\xBC\xA0"
                                     "SUM(A1)",  // ＠SUM(A1)
                                     "  =1+1", "+86 138", "-5", "王晓光"});
    ASSERT_EQ(rows.size(), 14U);
    EXPECT_EQ(rows[0], "'=1+1");
    EXPECT_EQ(rows[1], "'@SUM(A1)");
    EXPECT_EQ(rows[2], "'+cmd");
    EXPECT_EQ(rows[3], "'-2+3");
    EXPECT_EQ(rows[4], "\"'\tx\"");
    EXPECT_EQ(rows[5], "\"'\rx\"");
    EXPECT_EQ(rows[6],
              "'\xEF\xBC\x9D"
              "1+1");
    EXPECT_EQ(rows[7],
              "'\xEF\xBC\x8B"
              "cmd");
    EXPECT_EQ(rows[8],
              "'\xEF\xBC\x8D"
              "cmd");
    EXPECT_EQ(rows[9],
              "'\xEF\xBC\xA0"
              "SUM(A1)");
    EXPECT_EQ(rows[10], "'  =1+1");  // the apostrophe first: no edge space left to quote
    EXPECT_EQ(rows[11], "+86 138");  // a phone number stays a number
    EXPECT_EQ(rows[12], "-5");
    EXPECT_EQ(rows[13], "王晓光");
}

}  // namespace
}  // namespace muster::features::meetings
