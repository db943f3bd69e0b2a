#include "features/meetings/report.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>
#include <string_view>

namespace muster::features::meetings {

namespace v1 = muster::v1;

namespace {

struct Totals {
    std::string name;
    std::int64_t first_join_ms = 0;
    std::int64_t last_leave_ms = 0;
    std::int64_t present_ms = 0;
    std::int64_t audio_ms = 0;
    std::int64_t video_ms = 0;
    bool present_now = false;
};

void add_interval(Totals& totals, const std::string& name, std::int64_t joined_ms,
                  std::int64_t left_ms) {
    if (!name.empty()) totals.name = name;
    if (totals.first_join_ms == 0 || joined_ms < totals.first_join_ms)
        totals.first_join_ms = joined_ms;
    totals.last_leave_ms = std::max(totals.last_leave_ms, left_ms);
    totals.present_ms += std::max<std::int64_t>(0, left_ms - joined_ms);
}

std::string utc(std::int64_t time_ms) {
    if (time_ms <= 0) return {};
    const auto seconds = static_cast<std::time_t>(time_ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
    return text;
}

std::string minutes(std::int64_t ms) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", static_cast<double>(ms) / 60000.0);
    return text;
}

// True for text that is a plain number ("+8613800000000", "-5"): harmless as a formula.
bool is_number(std::string_view text) {
    if (text.size() < 2) return false;
    return std::all_of(text.begin() + 1, text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || c == ' ' || c == '.'; });
}

// A spreadsheet runs a cell that starts with one of these as a formula, also after leading
// spaces (some trim them), and also in their full-width forms (＝＋－＠, which East Asian
// input methods type and some spreadsheets normalise to ASCII).
std::string defuse(const std::string& text) {
    const std::string_view rest =
        std::string_view(text).substr(std::min(text.find_first_not_of(' '), text.size()));
    if (rest.empty()) return text;
    const char first = rest.front();
    bool formula = first == '=' || first == '@' || first == '\t' || first == '\r' ||
                   first == '\n' || ((first == '+' || first == '-') && !is_number(rest));
    for (std::string_view wide :
         {"\xEF\xBC\x9D", "\xEF\xBC\x8B", "\xEF\xBC\x8D", "\xEF\xBC\xA0"}) {  // ＝ ＋ － ＠
        formula = formula || rest.rfind(wide, 0) == 0;
    }
    return formula ? "'" + text : text;
}

// RFC 4180: quoted when it holds a comma, quote, CR or LF; also a semicolon or tab (the
// separators of spreadsheets in locales where the comma is the decimal mark) and edge spaces
// (which some readers trim).
std::string field(const std::string& text) {
    const bool quote = text.find_first_of(",;\t\"\r\n") != std::string::npos ||
                       (!text.empty() && (text.front() == ' ' || text.back() == ' '));
    if (!quote) return text;
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

void row(std::string& out, std::initializer_list<std::string> fields) {
    bool first = true;
    for (const auto& f : fields) {
        if (!first) out += ',';
        out += field(f);
        first = false;
    }
    out += "\r\n";
}

}  // namespace

v1::AttendanceReport build_report(const AttendanceSnapshot& snapshot,
                                  const std::vector<store::MemberInfo>& members) {
    const auto& record = snapshot.record;
    const auto& state = record.state();
    std::map<std::string, Totals> by_user;
    for (const auto& interval : snapshot.intervals) {
        add_interval(by_user[interval.user], interval.name, interval.joined_ms, interval.left_ms);
    }
    if (state.phase() == v1::MeetingState::LIVE) {
        for (const auto& p : state.participants()) {
            std::int64_t end = snapshot.now_ms;
            bool present = true;
            for (const auto& link : record.links()) {
                if (link.user() == p.user() && link.lost_ms() > 0 &&
                    link.drop_at_ms() <= snapshot.now_ms) {
                    end = link.lost_ms();  // the grace ran out: gone since the loss
                    present = false;
                }
            }
            Totals& totals = by_user[p.user()];
            add_interval(totals, p.name(), p.joined_ms(), std::max(end, p.joined_ms()));
            totals.present_now = totals.present_now || present;
            // Microphone / camera still on: counted up to the same end as the presence.
            for (const auto& time : record.media_time()) {
                if (time.user() != p.user()) continue;
                if (time.audio_since_ms() != 0)
                    totals.audio_ms += std::max<std::int64_t>(0, end - time.audio_since_ms());
                if (time.video_since_ms() != 0)
                    totals.video_ms += std::max<std::int64_t>(0, end - time.video_since_ms());
            }
        }
    }
    for (const auto& time : record.media_time()) {
        if (auto it = by_user.find(time.user()); it != by_user.end()) {
            it->second.audio_ms += time.audio_ms();
            it->second.video_ms += time.video_ms();
        }
    }

    std::map<std::string, std::string> directory_names;
    for (const auto& m : members) directory_names[m.user] = m.name;
    const std::set<std::string> answered(record.roll_answered().begin(),
                                         record.roll_answered().end());

    v1::AttendanceReport report;
    *report.mutable_meeting() = state;
    std::vector<const std::pair<const std::string, Totals>*> attendees;
    attendees.reserve(by_user.size());
    for (const auto& entry : by_user) attendees.push_back(&entry);
    std::stable_sort(attendees.begin(), attendees.end(), [](const auto* a, const auto* b) {
        return a->second.first_join_ms < b->second.first_join_ms;
    });
    for (const auto* entry : attendees) {
        const auto& [user, totals] = *entry;
        auto* a = report.add_attendees();
        a->set_user(user);
        // The group's roster name is the record's; the name the user connected with otherwise.
        std::string name = totals.name;
        if (auto it = directory_names.find(user);
            it != directory_names.end() && !it->second.empty())
            name = it->second;
        a->set_name(name);
        a->set_first_join_ms(totals.first_join_ms);
        a->set_last_leave_ms(totals.present_now ? 0 : totals.last_leave_ms);
        a->set_present_ms(totals.present_ms);
        a->set_roll(answered.contains(user));
        a->set_audio_s(totals.audio_ms / 1000);
        a->set_video_s(totals.video_ms / 1000);
    }
    std::vector<std::string> absent;
    for (const auto& m : members) {
        if (!by_user.contains(m.user)) absent.push_back(m.user);
    }
    std::sort(absent.begin(), absent.end());
    for (auto& user : absent) report.add_absent(std::move(user));
    return report;
}

std::string report_csv(const v1::AttendanceReport& report,
                       const std::vector<store::MemberInfo>& members) {
    std::string out = "\xEF\xBB\xBF";  // UTF-8 byte-order mark
    row(out, {"user", "name", "attended", "first_join_utc", "last_leave_utc", "present_minutes",
              "present_ms", "roll", "audio_s", "video_s"});
    for (const auto& a : report.attendees()) {
        row(out,
            {defuse(a.user()), defuse(a.name()), "yes", utc(a.first_join_ms()),
             utc(a.last_leave_ms()), minutes(a.present_ms()), std::to_string(a.present_ms()),
             a.roll() ? "yes" : "no", std::to_string(a.audio_s()), std::to_string(a.video_s())});
    }
    std::map<std::string, std::string> names;
    for (const auto& m : members) names[m.user] = m.name;
    for (const auto& user : report.absent()) {
        row(out,
            {defuse(user), defuse(names[user]), "no", "", "", minutes(0), "0", "no", "0", "0"});
    }
    return out;
}

}  // namespace muster::features::meetings
