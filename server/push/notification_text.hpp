#pragma once
// What a push says, in the device's language (zh-CN by default, en) and time zone, from the
// intent's data: for a duty call the title names the group and the call ("重华 · 门岗: 登记,
// 测体温"), the body says when it starts and how many are still needed; for a meeting that
// started, the title names the group and the meeting ("重华 · 月度组织生活会"), the body who
// started it; for a mention, the title names the group and who wrote ("重华 · 李明 提到了你"),
// the body is the message's text. Chat keeps the title and body the feature wrote. Pure; any
// thread.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "store/push_outbox.hpp"

namespace muster::push {

struct Notification {
    std::string type;     // duty_call, duty_reminder, meeting, chat, mention
    std::string kind;     // the device preference it falls under: duty, reminder, meeting, chat,
                          // mention
    bool urgent = false;  // an URGENT duty call: high priority, ignores quiet hours
    std::string title;
    std::string body;
    std::string collapse_key;  // chat: one pending notification per group; else empty
    // What the phone replaces a shown notification by (APNs apns-collapse-id, FCM and HMS
    // android.notification.tag): the chat's group, else the intent. Delivery is at least once,
    // so the same intent may reach a phone twice; it is then shown once, app or not.
    std::string replace_id;
    std::map<std::string, std::string> data;  // {type, group, seq, callId | meetingId, intent}
    std::string data_json;                    // the same as a JSON object of strings
};

Notification render(const PushIntent& intent, const std::string& locale,
                    const std::string& time_zone);

// The ids of the intents of `page` that a newer intent of the same page replaces on the phone:
// for each user, every intent with a collapse key (chat: the group) but the newest (the highest
// id) with that key. Sent together they would only arrive in any order, the phone keeping
// whichever came last. Only intents whose data names a chat are parsed.
std::vector<std::uint64_t> superseded_in(const std::vector<PushIntent>& page);

// "HH:MM" -> minute of the day; -1 when malformed.
int parse_clock(const std::string& text);
// Whether `minute` (of the day) falls within quiet hours [start, end), which may wrap midnight.
bool in_quiet_hours(int minute, int start, int end);

}  // namespace muster::push
