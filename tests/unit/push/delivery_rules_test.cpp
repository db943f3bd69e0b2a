// The push worker's pure rules: leases, rounds, backoff, texts, quiet hours, time zones, chat
// pushes a newer one replaces.

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "push/delivery_state.hpp"
#include "push/notification_text.hpp"
#include "push/provider.hpp"
#include "push/time_zone.hpp"

namespace muster::push {
namespace {

constexpr std::int64_t t0 = 1'780'000'000'000;  // 2026-05-28T20:26:40Z

PushIntent intent_with(const std::string& state) {
    PushIntent intent;
    intent.id = 7;
    intent.state = state;
    return intent;
}

TEST(DeliveryRules, one_live_lease_at_a_time_and_a_lapsed_one_is_taken_over) {
    auto a = take_lease("node-a", 60000)(intent_with(""), t0);
    ASSERT_TRUE(a);
    EXPECT_EQ(parse_state(*a).owner, "node-a");
    EXPECT_FALSE(take_lease("node-b", 60000)(intent_with(*a), t0 + 59999));
    EXPECT_FALSE(take_lease("node-a", 60000)(intent_with(*a), t0 + 1));  // already in a round
    auto b = take_lease("node-b", 60000)(intent_with(*a), t0 + 60000);
    ASSERT_TRUE(b);
    EXPECT_EQ(parse_state(*b).owner, "node-b");
    // node-a's round ends too late: its lease is node-b's now, so it writes nothing.
    EXPECT_FALSE(end_round("node-a", {"phone"}, t0 + 70000, true)(intent_with(*b), t0 + 61000));
}

TEST(DeliveryRules, a_round_records_devices_done_and_waits_for_the_next_attempt) {
    auto leased = take_lease("n", 60000)(intent_with(""), t0);
    auto ended = end_round("n", {"phone"}, t0 + 5000, true)(intent_with(*leased), t0 + 100);
    ASSERT_TRUE(ended);
    const auto state = parse_state(*ended);
    EXPECT_EQ(state.attempts, 1U);
    EXPECT_TRUE(state.owner.empty());
    EXPECT_EQ(state.delivered, std::vector<std::string>{"phone"});
    EXPECT_FALSE(take_lease("m", 60000)(intent_with(*ended), t0 + 4999));
    EXPECT_TRUE(take_lease("m", 60000)(intent_with(*ended), t0 + 5000));
    // A quiet-hours wait is no attempt.
    auto held = end_round("n", {}, t0 + 9000, false)(intent_with(*leased), t0 + 100);
    EXPECT_EQ(parse_state(*held).attempts, 0U);
}

TEST(DeliveryRules, backoff_doubles_to_its_cap_and_never_undercuts_retry_after) {
    EXPECT_EQ(backoff_ms(1, 1000, 60000, 0), 1000);
    EXPECT_EQ(backoff_ms(3, 1000, 60000, 0), 4000);
    EXPECT_EQ(backoff_ms(30, 1000, 60000, 0), 60000);
    EXPECT_EQ(backoff_ms(1, 1000, 60000, 7000), 7000);
    EXPECT_EQ(backoff_ms(4, 1000, 60000, 2000), 8000);  // within one step after Retry-After
}

TEST(DeliveryRules, retry_after_reads_seconds_and_http_dates) {
    HttpReply reply;
    reply.status = 429;
    reply.headers["retry-after"] = "3";
    EXPECT_EQ(retry_after_ms(reply, t0), 3000);
    reply.headers["retry-after"] = "Thu, 28 May 2026 20:27:00 GMT";
    EXPECT_EQ(retry_after_ms(reply, t0), 20000);
    reply.headers["retry-after"] = "soon";
    EXPECT_EQ(retry_after_ms(reply, t0), 0);
    EXPECT_EQ(common_outcome(reply, t0).kind, Outcome::Kind::retry);
    reply.status = 400;
    EXPECT_EQ(common_outcome(reply, t0).kind, Outcome::Kind::failed);
    reply.status = 0;
    EXPECT_EQ(common_outcome(reply, t0).kind, Outcome::Kind::retry);
}

TEST(NotificationText, duty_calls_name_group_and_call_in_chinese_by_default) {
    PushIntent intent;
    intent.id = 42;
    intent.title = "URGENT duty call: 门岗: 登记, 测体温";
    intent.data_json =
        R"({"type":"duty_call","callId":"dc_1","group":"chonghua","groupName":"重华",)"
        R"("callTitle":"门岗: 登记, 测体温","location":"北门","open":"3","urgency":"URGENT",)"
        R"("startsAtMs":"1780000200000"})";
    const auto zh = render(intent, "", "Asia/Shanghai");
    EXPECT_EQ(zh.title, "重华 · 门岗: 登记, 测体温");
    EXPECT_EQ(zh.body, "紧急：5月29日 04:30 开始，还需 3 人，地点：北门。请在应用中应答。");
    EXPECT_TRUE(zh.urgent);
    EXPECT_EQ(zh.kind, "duty");
    EXPECT_EQ(zh.data.at("intent"), "42");
    EXPECT_EQ(zh.data.at("callId"), "dc_1");
    EXPECT_EQ(zh.replace_id, "intent-42");  // a second delivery of this intent replaces it
    const auto en = render(intent, "en", "Europe/London");
    EXPECT_EQ(en.body,
              "URGENT: starts May 28, 21:30, 3 more people needed at 北门. Answer in the app.");
}

// An intent as a feature records it: its fallback texts and the data the worker renders from.
PushIntent recorded(std::uint64_t id, std::string title, std::string body, std::string data) {
    PushIntent intent;
    intent.id = id;
    intent.title = std::move(title);
    intent.body = std::move(body);
    intent.data_json = std::move(data);
    return intent;
}

TEST(NotificationText, a_started_meeting_names_group_meeting_and_who_started_it) {
    const PushIntent intent =
        recorded(9, "重华 · 月度组织生活会", "王小刚 started the meeting. Join in the app.",
                 R"({"type":"meeting","meetingId":"mt_1","group":"chonghua","groupName":"重华",)"
                 R"("meetingTitle":"月度组织生活会","startedBy":"王小刚"})");
    const auto zh = render(intent, "zh-CN", "Asia/Shanghai");
    EXPECT_EQ(zh.title, "重华 · 月度组织生活会");
    EXPECT_EQ(zh.body, "会议已开始（王小刚 发起）。请在应用中加入。");
    EXPECT_EQ(zh.kind, "meeting");
    EXPECT_FALSE(zh.urgent);
    EXPECT_EQ(zh.data.at("meetingId"), "mt_1");
    EXPECT_EQ(zh.data.at("group"), "chonghua");
    EXPECT_EQ(zh.replace_id, "intent-9");
    const auto en = render(intent, "en", "Europe/London");
    EXPECT_EQ(en.title, "重华 · 月度组织生活会");
    EXPECT_EQ(en.body, "王小刚 started the meeting. Join in the app.");
}

TEST(NotificationText, a_mention_names_group_and_writer_and_keeps_the_words) {
    const PushIntent intent = recorded(
        11, "重华 · 李明 mentioned you", "@何平 明早八点北门集合",
        R"({"type":"mention","group":"chonghua","seq":"12","groupName":"重华","senderName":"李明"})");
    const auto zh = render(intent, "", "Asia/Shanghai");
    EXPECT_EQ(zh.title, "重华 · 李明 提到了你");
    EXPECT_EQ(zh.body, "@何平 明早八点北门集合");
    EXPECT_EQ(zh.kind, "mention");
    EXPECT_EQ(zh.data.at("seq"), "12");
    EXPECT_EQ(zh.replace_id, "intent-11");
    EXPECT_EQ(render(intent, "en", "Asia/Shanghai").title, "重华 · 李明 mentioned you");
}

TEST(NotificationText, chat_is_collapsed_and_replaced_per_group) {
    PushIntent intent;
    intent.id = 7;
    intent.title = "李明";
    intent.body = "明早八点集合";
    intent.data_json = R"({"type":"chat","group":"chonghua","seq":"12"})";
    const auto chat = render(intent, "", "Asia/Shanghai");
    EXPECT_EQ(chat.collapse_key, "chonghua");
    EXPECT_EQ(chat.replace_id, "chonghua");
}

TEST(NotificationText, a_page_sends_only_the_newest_chat_per_user_and_group) {
    auto intent = [](std::uint64_t id, const char* user, const char* data) {
        PushIntent out;
        out.id = id;
        out.user = user;
        out.data_json = data;
        return out;
    };
    const char* chonghua = R"({"type":"chat","group":"chonghua","seq":"1"})";
    const char* district = R"({"type":"chat","group":"sd","seq":"1"})";
    const char* mention = R"({"type":"mention","group":"chonghua","seq":"2"})";
    const std::vector<PushIntent> page = {
        intent(3, "heping", chonghua),
        intent(4, "heping", mention),
        intent(5, "heping", district),
        intent(6, "liming", chonghua),
        intent(8, "heping", chonghua),
        intent(9, "heping", chonghua),
        intent(10, "heping", R"({"type":"duty_call","callId":"c"})")};
    // heping's two older chats in 重华 give way to #9; the mention, the other group's chat,
    // liming's and the duty call stand.
    auto dropped = superseded_in(page);
    std::sort(dropped.begin(), dropped.end());
    EXPECT_EQ(dropped, (std::vector<std::uint64_t>{3, 8}));
    EXPECT_TRUE(superseded_in({}).empty());
}

TEST(NotificationText, quiet_hours_wrap_midnight) {
    EXPECT_EQ(parse_clock("22:00"), 1320);
    EXPECT_EQ(parse_clock("7:00"), -1);
    EXPECT_TRUE(in_quiet_hours(1400, 1320, 420));
    EXPECT_TRUE(in_quiet_hours(100, 1320, 420));
    EXPECT_FALSE(in_quiet_hours(420, 1320, 420));
    EXPECT_TRUE(in_quiet_hours(780, 720, 840));
    EXPECT_FALSE(in_quiet_hours(700, -1, 420));
}

TEST(TimeZone, offsets_come_from_the_zoneinfo_files) {
    EXPECT_EQ(utc_offset_s("Asia/Shanghai", t0), 8 * 3600);
    EXPECT_EQ(utc_offset_s("Europe/London", t0), 3600);                  // summer time
    EXPECT_EQ(utc_offset_s("Europe/London", t0 - 180LL * 86400000), 0);  // winter
    EXPECT_EQ(utc_offset_s("Not/A_Zone", t0), 0);
    EXPECT_EQ(utc_offset_s("../../etc/passwd", t0), 0);
    EXPECT_EQ(local_minute_of_day("Asia/Shanghai", t0), 4 * 60 + 26);
}

}  // namespace
}  // namespace muster::push
