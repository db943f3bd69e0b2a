#pragma once
// The attendance report (GET /api/v1/meetings/{id}/attendance): who attended, from when to
// when, for how long, who answered a roll call, who of the group never came. Pure functions of
// what the store returns, so that totals are tested without a server.
//
// Totals: the sum of a member's closed intervals, plus the open one of a participant still
// present (counted up to the time of the report). A participant whose connection was lost
// counts up to now while the grace runs, and up to the loss once it has run out (even before
// the grace timer has recorded the drop). lastLeaveMs is 0 while the member is present. Names
// are the group's roster names (the directory's), or else the name the user joined with.
// Media time (audio_s, video_s, whole seconds): how long their microphone / camera was on
// (meeting_media) while the meeting was LIVE and they were in it, kept in the record by the
// rules as the changes happen (so that it does not depend on the log's retention); an open
// stretch counts up to the same end as the presence.

#include <string>
#include <vector>

#include "features/meetings/meeting_store.hpp"
#include "muster/v1/meeting.pb.h"
#include "store/directory.hpp"

namespace muster::features::meetings {

// `members`: the group's direct members (absentees are those of them who never joined).
muster::v1::AttendanceReport build_report(const AttendanceSnapshot& snapshot,
                                          const std::vector<store::MemberInfo>& members);

// The report as CSV for spreadsheets: UTF-8 with a byte-order mark (so that Excel reads
// Chinese names right), RFC 4180 (CRLF, quotes doubled, fields with , ; TAB " CR LF quoted), a
// header row, then one row per attendee (by first join) and one per absentee (by user id). Times
// are UTC "YYYY-MM-DD HH:MM:SS", which spreadsheets read as dates. A user id or name that a
// spreadsheet would run as a formula (=, @, TAB, CR, LF, +/- followed by more than a number,
// after leading spaces; the full-width ＝＠＋－ too) gets a leading apostrophe (OWASP "CSV
// injection").
std::string report_csv(const muster::v1::AttendanceReport& report,
                       const std::vector<store::MemberInfo>& members);

}  // namespace muster::features::meetings
