#include "push/notification_text.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

#include <boost/json.hpp>

#include "push/time_zone.hpp"

namespace muster::push {

namespace json = boost::json;

namespace {

std::string field(const json::object& data, const char* key) {
    const auto* v = data.if_contains(key);
    if (v == nullptr) return {};
    if (v->is_string()) return std::string(v->as_string());
    if (v->is_int64()) return std::to_string(v->as_int64());
    if (v->is_uint64()) return std::to_string(v->as_uint64());
    return {};
}

struct Civil {
    int year, month, day, hour, minute;
};

// Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
Civil civil_of(std::int64_t local_s) {
    std::int64_t days = local_s >= 0 ? local_s / 86400 : (local_s - 86399) / 86400;
    const std::int64_t secs = local_s - days * 86400;
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const auto y = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0));
    return {y, static_cast<int>(m), static_cast<int>(d), static_cast<int>(secs / 3600),
            static_cast<int>(secs % 3600 / 60)};
}

std::string when(std::int64_t utc_ms, bool chinese, const std::string& zone) {
    const Civil c = civil_of(utc_ms / 1000 + utc_offset_s(zone, utc_ms));
    char out[64];
    if (chinese) {
        std::snprintf(out, sizeof out, "%d月%d日 %02d:%02d", c.month, c.day, c.hour, c.minute);
    } else {
        static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        std::snprintf(out, sizeof out, "%s %d, %02d:%02d", months[(c.month - 1) % 12], c.day,
                      c.hour, c.minute);
    }
    return out;
}

std::string kind_of(const std::string& type) {
    if (type == "duty_call") return "duty";
    if (type == "duty_reminder") return "reminder";
    return type;  // meeting, chat, mention
}

}  // namespace

Notification render(const PushIntent& intent, const std::string& locale,
                    const std::string& time_zone) {
    Notification out;
    boost::system::error_code ec;
    json::value parsed = json::parse(intent.data_json, ec);
    json::object data = !ec && parsed.is_object() ? parsed.as_object() : json::object{};
    out.type = field(data, "type");
    out.kind = kind_of(out.type);
    out.title = intent.title;
    out.body = intent.body;
    const bool chinese = locale != "en";
    const std::string group_name =
        field(data, "groupName").empty() ? field(data, "group") : field(data, "groupName");
    if (out.type == "duty_call" || out.type == "duty_reminder") {
        out.urgent = out.type == "duty_call" && field(data, "urgency") == "URGENT";
        const std::string call_title = field(data, "callTitle");
        const std::string location = field(data, "location");
        const std::string open = field(data, "open");
        const std::string starts = field(data, "startsAtMs");
        const std::int64_t starts_ms = starts.empty() ? 0 : std::stoll(starts);
        if (!call_title.empty()) out.title = group_name + " · " + call_title;
        std::string body;
        if (chinese) {
            if (out.urgent) body += "紧急：";
            if (out.type == "duty_reminder") body += "提醒：";
            if (starts_ms > 0) body += when(starts_ms, true, time_zone) + " 开始，";
            body += "还需 " + open + " 人";
            if (!location.empty()) body += "，地点：" + location;
            body += "。请在应用中应答。";
        } else {
            if (out.urgent) body += "URGENT: ";
            if (out.type == "duty_reminder") body += "Reminder: ";
            if (starts_ms > 0) body += "starts " + when(starts_ms, false, time_zone) + ", ";
            body += open + (open == "1" ? " more person needed" : " more people needed");
            if (!location.empty()) body += " at " + location;
            body += ". Answer in the app.";
        }
        if (!open.empty()) out.body = body;
    }
    if (out.type == "meeting") {
        const std::string meeting_title = field(data, "meetingTitle");
        const std::string started_by = field(data, "startedBy");
        if (!meeting_title.empty()) {
            out.title = group_name + " · " + meeting_title;
            if (chinese) {
                out.body = "会议已开始";
                if (!started_by.empty()) out.body += "（" + started_by + " 发起）";
                out.body += "。请在应用中加入。";
            } else {
                out.body = started_by.empty() ? "The meeting has started."
                                              : started_by + " started the meeting.";
                out.body += " Join in the app.";
            }
        }
    }
    if (out.type == "mention") {
        const std::string sender = field(data, "senderName");
        // The body is the message's own words, in whatever language they were written.
        if (!sender.empty())
            out.title = group_name + " · " + sender + (chinese ? " 提到了你" : " mentioned you");
    }
    if (out.type == "chat") out.collapse_key = field(data, "group");
    out.replace_id =
        out.collapse_key.empty() ? "intent-" + std::to_string(intent.id) : out.collapse_key;
    // The data every app gets: what to open, and the intent id to drop duplicates by.
    out.data["type"] = out.type;
    for (const char* key : {"group", "seq", "callId", "meetingId"}) {
        if (auto value = field(data, key); !value.empty()) out.data[key] = value;
    }
    out.data["intent"] = std::to_string(intent.id);
    json::object flat;
    for (const auto& [key, value] : out.data) flat[key] = value;
    out.data_json = json::serialize(flat);
    return out;
}

std::vector<std::uint64_t> superseded_in(const std::vector<PushIntent>& page) {
    std::map<std::pair<std::string, std::string>, std::uint64_t> newest;  // (user, key) -> id
    std::vector<std::uint64_t> out;
    for (const auto& intent : page) {
        // The collapse key does not depend on the locale or the time zone.
        if (intent.data_json.find(R"("type":"chat")") == std::string::npos) continue;
        const std::string key = render(intent, "", "").collapse_key;
        if (key.empty()) continue;
        auto [it, fresh] = newest.try_emplace({intent.user, key}, intent.id);
        if (fresh) continue;
        out.push_back(std::min(it->second, intent.id));
        it->second = std::max(it->second, intent.id);
    }
    return out;
}

int parse_clock(const std::string& text) {
    if (text.size() != 5 || text[2] != ':') return -1;
    for (int i : {0, 1, 3, 4}) {
        if (text[i] < '0' || text[i] > '9') return -1;
    }
    const int hour = (text[0] - '0') * 10 + (text[1] - '0');
    const int minute = (text[3] - '0') * 10 + (text[4] - '0');
    if (hour > 23 || minute > 59) return -1;
    return hour * 60 + minute;
}

bool in_quiet_hours(int minute, int start, int end) {
    if (start < 0 || end < 0 || start == end) return false;
    if (start < end) return minute >= start && minute < end;
    return minute >= start || minute < end;  // wraps midnight
}

}  // namespace muster::push
