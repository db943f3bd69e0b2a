#pragma once
// How muster-cli shows a meeting's state and its attendance report to people.

#include <string>

#include "muster/v1/meeting.pb.h"

namespace muster::cli {

// Several lines: title, phase, hosts, agenda (current item marked), shared items,
// participants, hands, floor, roll call.
std::string format_meeting(const v1::MeetingState& state);

// A table: one row per attendee (name, present h:mm:ss, first join, last leave, roll), then
// the absentees.
std::string format_attendance(const v1::AttendanceReport& report);

}  // namespace muster::cli
