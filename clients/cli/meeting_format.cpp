#include "cli/meeting_format.hpp"

#include <cstdio>
#include <string_view>

#include "cli/format.hpp"

namespace muster::cli {

namespace {

std::string join(const google::protobuf::RepeatedPtrField<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out.empty() ? "-" : out;
}

std::string duration(std::int64_t ms) {
    const std::int64_t s = ms / 1000;
    char text[32];
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
    return text;
}

std::string clock_or(std::int64_t ms, const char* none) {
    return ms > 0 ? format_clock(ms) : none;
}

// Columns as a terminal shows them: CJK characters take two cells, other code points one.
std::size_t display_width(std::string_view text) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < text.size();) {
        const auto byte = static_cast<unsigned char>(text[i]);
        const int length = byte < 0x80 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4;
        char32_t cp = length == 1 ? byte : byte & (0x7F >> length);
        for (int k = 1; k < length && i + k < text.size(); ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
        const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                          (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                          (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                          (cp >= 0xFFE0 && cp <= 0xFFE6) || cp >= 0x20000;
        width += wide ? 2 : 1;
        i += static_cast<std::size_t>(length);
    }
    return width;
}

// `text` padded with spaces to `width` cells (never cut).
std::string pad(const std::string& text, std::size_t width) {
    const std::size_t used = display_width(text);
    return text + std::string(used < width ? width - used : 0, ' ');
}

}  // namespace

std::string format_meeting(const v1::MeetingState& s) {
    std::string out = "meeting " + s.meeting_id() + " \"" + s.title() + "\" in " + s.group() +
                      ": " + v1::MeetingState::Phase_Name(s.phase()) + "\n";
    out += "  host: " + s.host() + "   co-hosts: " + join(s.co_hosts()) + "\n";
    out += "  scheduled " + clock_or(s.scheduled_at_ms(), "-") + ", started " +
           clock_or(s.started_at_ms(), "-") + ", ended " + clock_or(s.ended_at_ms(), "-") + "\n";
    for (int i = 0; i < s.agenda_size(); ++i) {
        out += std::string(i == s.agenda_index() ? "  > " : "    ") + std::to_string(i) + ". " +
               s.agenda(i) + "\n";
    }
    for (const auto& item : s.shared()) {
        out += "  shared by " + item.by() + ": " + item.title() + " <" + item.url() + ">\n";
    }
    std::string people;
    for (const auto& p : s.participants()) {
        people += (people.empty() ? "" : ", ") + (p.name().empty() ? p.user() : p.name());
    }
    out += "  participants (" + std::to_string(s.participants_size()) +
           "): " + (people.empty() ? "-" : people) + "\n";
    out +=
        "  hands: " + join(s.hands()) + "   floor: " + (s.floor().empty() ? "-" : s.floor()) + "\n";
    if (s.has_roll_call() && s.roll_call().opened_ms() != 0) {
        const auto& roll = s.roll_call();
        out +=
            "  roll call " +
            std::string(roll.open() ? "open until " + format_clock(roll.closes_ms()) : "closed") +
            ": present " + join(roll.present());
        if (!roll.open()) out += "; absent " + join(roll.absent());
        out += "\n";
    }
    out.pop_back();
    return out;
}

std::string format_attendance(const v1::AttendanceReport& report) {
    std::string out = "attendance of \"" + report.meeting().title() + "\" (" +
                      report.meeting().meeting_id() + ")\n";
    auto row = [&out](const std::string& user, const std::string& name, const std::string& present,
                      const std::string& joined, const std::string& left, const std::string& roll) {
        out += pad(user, 20) + " " + pad(name, 20) + " " + pad(present, 9) + "  " + pad(joined, 8) +
               "  " + pad(left, 8) + "  " + roll + "\n";
    };
    row("user", "name", "present", "joined", "left", "roll");
    for (const auto& a : report.attendees()) {
        row(a.user(), a.name(), duration(a.present_ms()), clock_or(a.first_join_ms(), "-"),
            clock_or(a.last_leave_ms(), "(here)"), a.roll() ? "yes" : "no");
    }
    out += "absent: " + join(report.absent());
    return out;
}

}  // namespace muster::cli
