// Push delivery end to end, on both backends: a coordinator's duty call reaches each offline
// member's device through the fake push service, in the device's language and time zone, with
// the provider's protocol verified by the fake (RFC 8291 decryption by http_ece, VAPID, HMAC).

#include <cstdio>
#include <initializer_list>
#include <map>
#include <set>

#include "push_fixture.hpp"

namespace muster::test {
namespace {

class PushDeliveryTest : public testing::TestWithParam<Backend> {
  protected:
    void start(std::vector<std::string> extra = {}) {
        ServerOptions options;
        options.args = push_args(make_vapid_key(keys_.path()));
        options.args.insert(options.args.end(), extra.begin(), extra.end());
        node_ = std::make_unique<NodeUnderTest>(GetParam(), std::move(options));
        ASSERT_TRUE(node_->start());
        organise(server());
    }
    ServerProcess& server() { return node_->server(); }
    // The fake received no push at any of `paths` (call once the outbox has drained).
    void expect_nothing_sent_to(std::initializer_list<const char*> paths) {
        for (const auto* path : paths) {
            EXPECT_TRUE(
                fake_.events([path](const json::object& e) { return FakePush::to_path(e, path); })
                    .empty())
                << path << ": " << fake_.output();
        }
    }

    // POSTs a chat message to 重华 with `token`; its seq, as push data carries it.
    std::string post_message(const char* body, const std::string& token) {
        const auto posted =
            http_call(server(), "POST", "/api/v1/groups/chonghua/messages", body, token);
        EXPECT_EQ(posted.status, 201) << posted.body;
        if (posted.status != 201) return {};
        const auto seq = json::parse(posted.body).at("seq");  // a uint64: a string in JSON
        return seq.is_string() ? std::string(seq.as_string())
                               : std::to_string(seq.to_number<std::uint64_t>());
    }

    TempDir keys_;
    FakePush fake_;
    std::unique_ptr<NodeUnderTest> node_;
};

TEST_P(PushDeliveryTest, an_urgent_call_reaches_a_web_push_device_in_chinese) {
    start();
    register_device(server(), "liming", "browser", webpush_spec(fake_, "/webpush/ok/liming"));
    const std::int64_t starts = now_ms() + 3600000;
    const std::string call = create_call(server(), 2, true, starts);

    const auto got = fake_.wait_events(
        [](const json::object& e) { return FakePush::to_path(e, "/webpush/ok/liming"); }, 1);
    ASSERT_EQ(got.size(), 1U);
    const auto& push = got[0];
    EXPECT_FALSE(push.contains("error")) << json::serialize(push);
    EXPECT_EQ(push.at("status").to_number<int>(), 201) << json::serialize(push);
    EXPECT_TRUE(push.at("vapid").as_object().at("ok").as_bool()) << json::serialize(push);
    EXPECT_EQ(payload_field(push, "title"), "重华 · 门岗: 登记, 测体温");
    const std::string body = payload_field(push, "body");
    EXPECT_NE(body.find("紧急"), std::string::npos) << body;
    EXPECT_NE(body.find("还需 2 人"), std::string::npos) << body;
    EXPECT_NE(body.find("北门"), std::string::npos) << body;
    EXPECT_EQ(data_field(push, "type"), "duty_call");
    EXPECT_EQ(data_field(push, "callId"), call);
    EXPECT_EQ(data_field(push, "group"), "chonghua");
    EXPECT_FALSE(data_field(push, "intent").empty());
    EXPECT_EQ(header(push, "urgency"), "high");
    EXPECT_EQ(header(push, "content-encoding"), "aes128gcm");
    EXPECT_FALSE(header(push, "ttl").empty());

    // The VAPID key that signed it is the one web apps subscribe with.
    const auto key = http_call(server(), "GET", "/api/v1/push/vapid-public-key");
    ASSERT_EQ(key.status, 200) << key.body;
    EXPECT_NE(key.body.find(std::string(push.at("vapid").as_object().at("k").as_string())),
              std::string::npos);
    EXPECT_TRUE(server().log_text().find("push worker started") != std::string::npos);
}

TEST_P(PushDeliveryTest, english_devices_get_english_in_their_own_time_zone) {
    start();
    auto spec = webpush_spec(fake_, "/webpush/ok/zhangfang");
    spec["locale"] = "en";
    spec["timezone"] = "Asia/Shanghai";
    register_device(server(), "zhangfang", "phone", spec);
    const std::int64_t starts = (now_ms() / 60000 + 90) * 60000;  // a whole minute
    create_call(server(), 1, false, starts);

    const auto got = fake_.wait_events(
        [](const json::object& e) { return FakePush::to_path(e, "/webpush/ok/zhangfang"); }, 1);
    ASSERT_EQ(got.size(), 1U);
    const std::string body = payload_field(got[0], "body");
    EXPECT_EQ(payload_field(got[0], "title"), "重华 · 门岗: 登记, 测体温");
    EXPECT_NE(body.find("1 more person needed at 北门"), std::string::npos) << body;
    // Shanghai is UTC+8 all year.
    const std::int64_t local = starts / 1000 + 8 * 3600;
    char clock[8];
    std::snprintf(clock, sizeof clock, "%02d:%02d", static_cast<int>(local / 3600 % 24),
                  static_cast<int>(local / 60 % 60));
    EXPECT_NE(body.find(clock), std::string::npos) << body << " lacks " << clock;
    EXPECT_EQ(header(got[0], "urgency"), "normal");

    // The device as listed: its preferences, not its keys.
    const auto listed =
        http_call(server(), "GET", "/api/v1/devices", {}, server().token("zhangfang"));
    ASSERT_EQ(listed.status, 200) << listed.body;
    EXPECT_NE(listed.body.find(R"("timezone":"Asia/Shanghai")"), std::string::npos) << listed.body;
    EXPECT_EQ(listed.body.find(fake_.auth()), std::string::npos) << listed.body;
}

TEST_P(PushDeliveryTest, a_webhook_gets_the_push_signed_with_its_secret) {
    start();
    register_device(server(), "heping", "relay",
                    {{"kind", "webhook"},
                     {"endpoint", fake_.url("/webhook/ok/heping")},
                     {"secret", "hook-secret"}});
    const std::string call = create_call(server(), 1, true, now_ms() + 3600000);
    const auto got = fake_.wait_events(
        [](const json::object& e) { return FakePush::to_path(e, "/webhook/ok/heping"); }, 1);
    ASSERT_EQ(got.size(), 1U);
    EXPECT_TRUE(got[0].at("signatureOk").as_bool()) << json::serialize(got[0]);
    EXPECT_EQ(got[0].at("status").to_number<int>(), 201);
    EXPECT_EQ(payload_field(got[0], "priority"), "high");
    EXPECT_EQ(data_field(got[0], "callId"), call);
}

TEST_P(PushDeliveryTest, a_gone_subscription_deletes_the_device) {
    start();
    register_device(server(), "liming", "old-browser", webpush_spec(fake_, "/webpush/gone/liming"));
    create_call(server(), 1, true, now_ms() + 3600000);
    const auto got = fake_.wait_events(
        [](const json::object& e) { return FakePush::to_path(e, "/webpush/gone/liming"); }, 1);
    ASSERT_EQ(got.size(), 1U);
    EXPECT_EQ(got[0].at("status").to_number<int>(), 410);
    // The worker deletes it once the answer is in: wait for that (bounded), not for a time.
    const auto deadline = std::chrono::steady_clock::now() + default_wait;
    std::string body;
    do {
        body = http_call(server(), "GET", "/api/v1/devices", {}, server().token("liming")).body;
    } while (body != R"({"devices":[]})" && std::chrono::steady_clock::now() < deadline);
    EXPECT_EQ(body, R"({"devices":[]})");
}

TEST_P(PushDeliveryTest, too_many_requests_is_retried_after_retry_after) {
    start();
    register_device(server(), "liming", "browser", webpush_spec(fake_, "/webpush/busy/liming"));
    create_call(server(), 1, true, now_ms() + 3600000);
    const auto got = fake_.wait_events(
        [](const json::object& e) { return FakePush::to_path(e, "/webpush/busy/liming"); }, 2);
    ASSERT_EQ(got.size(), 2U);
    EXPECT_EQ(got[0].at("status").to_number<int>(), 429);
    EXPECT_EQ(got[1].at("status").to_number<int>(), 201);
    EXPECT_EQ(data_field(got[0], "intent"), data_field(got[1], "intent"));
    // Retry-After: 1 is a minimum (backoff alone would have retried after 100 ms).
    EXPECT_GE(
        got[1].at("at").to_number<std::int64_t>() - got[0].at("at").to_number<std::int64_t>(),
        1000 - 50);  // the fake stamps when it answers; the first answer came after its arrival
}

TEST_P(PushDeliveryTest, quiet_hours_hold_routine_calls_but_not_urgent_ones) {
    start();
    // Quiet from an hour ago to an hour from now (UTC); liming's device keeps them, zhangfang's
    // has none and shows the routine call went out.
    const std::int64_t minute = now_ms() / 60000 % 1440;
    char start_at[8];
    char end_at[8];
    std::snprintf(start_at, sizeof start_at, "%02d:%02d",
                  static_cast<int>((minute + 1380) % 1440 / 60),
                  static_cast<int>((minute + 1380) % 60));
    std::snprintf(end_at, sizeof end_at, "%02d:%02d", static_cast<int>((minute + 60) % 1440 / 60),
                  static_cast<int>((minute + 60) % 60));
    auto quiet = webpush_spec(fake_, "/webpush/ok/liming");
    quiet["timezone"] = "UTC";
    quiet["quietHours"] = json::object{{"start", start_at}, {"end", end_at}};
    register_device(server(), "liming", "phone", quiet);
    register_device(server(), "zhangfang", "phone", webpush_spec(fake_, "/webpush/ok/zhangfang"));

    const std::string routine = create_call(server(), 1, false, now_ms() + 7200000);
    fake_.wait_events(
        [&](const json::object& e) {
            return FakePush::to_path(e, "/webpush/ok/zhangfang") &&
                   data_field(e, "callId") == routine;
        },
        1);
    const std::string urgent = create_call(server(), 1, true, now_ms() + 3600000);
    const auto got = fake_.wait_events(
        [](const json::object& e) { return FakePush::to_path(e, "/webpush/ok/liming"); }, 1);
    ASSERT_GE(got.size(), 1U);
    EXPECT_EQ(data_field(got[0], "callId"), urgent);
    for (const auto& e : fake_.events(
             [](const json::object& e) { return FakePush::to_path(e, "/webpush/ok/liming"); }))
        EXPECT_NE(data_field(e, "callId"), routine) << "sent during quiet hours";
    // The routine one waits in the outbox for the quiet hours to end.
    const auto waiting = admin_http(server(), "GET", "/api/v1/push/outbox?user=liming");
    EXPECT_NE(waiting.body.find(routine), std::string::npos) << waiting.body;
}

TEST_P(PushDeliveryTest, a_started_meeting_reaches_offline_members_who_want_meeting_pushes) {
    start();
    register_device(server(), "liming", "phone", webpush_spec(fake_, "/webpush/ok/liming"));
    // Connected: the app shows the start itself, no push.
    register_device(server(), "zhangfang", "phone", webpush_spec(fake_, "/webpush/ok/zhangfang"));
    auto zhangfang = TestClient::connect(server(), "zhangfang");
    // Offline, but meeting pushes turned off on the device.
    auto duty_only = webpush_spec(fake_, "/webpush/ok/heping");
    duty_only["kinds"] = json::array{"duty"};
    register_device(server(), "heping", "phone", duty_only);

    auto wangxg = TestClient::connect(server(), "wangxg", {.name = "王小刚"});
    v1::ClientFrame schedule;
    schedule.mutable_meeting_schedule()->set_group("chonghua");
    schedule.mutable_meeting_schedule()->set_title("月度组织生活会");
    const auto scheduled = wangxg.expect_reply<v1::MeetingScheduleReply>(schedule);
    ASSERT_FALSE(scheduled.meeting_id().empty());
    // Scheduling alone pushes nothing; starting does.
    v1::ClientFrame start_frame;
    start_frame.mutable_meeting_start()->set_meeting_id(scheduled.meeting_id());
    const auto started = wangxg.expect_reply<v1::MeetingReply>(start_frame);
    EXPECT_EQ(started.state().phase(), v1::MeetingState::LIVE);

    const auto got = fake_.wait_events(
        [](const json::object& e) { return FakePush::to_path(e, "/webpush/ok/liming"); }, 1);
    ASSERT_EQ(got.size(), 1U);
    EXPECT_EQ(got[0].at("status").to_number<int>(), 201) << json::serialize(got[0]);
    EXPECT_EQ(payload_field(got[0], "title"), "重华 · 月度组织生活会");
    EXPECT_EQ(payload_field(got[0], "body"), "会议已开始（王小刚 发起）。请在应用中加入。");
    EXPECT_EQ(data_field(got[0], "type"), "meeting");
    EXPECT_EQ(data_field(got[0], "meetingId"), scheduled.meeting_id());
    EXPECT_EQ(data_field(got[0], "group"), "chonghua");
    EXPECT_EQ(header(got[0], "urgency"), "normal");

    // Recorded for the two offline members; heping's is dropped for the device's kinds. Once
    // the outbox is empty, nothing more can come.
    EXPECT_EQ(outbox_once_drained(server()), R"({"intents":[]})");
    EXPECT_NE(
        admin_http(server(), "GET", "/metrics").body.find("muster_meeting_start_pushes_total 2\n"),
        std::string::npos);
    expect_nothing_sent_to({"/webpush/ok/zhangfang", "/webpush/ok/heping"});
}

TEST_P(PushDeliveryTest, a_message_that_mentions_an_offline_member_reaches_their_phone) {
    start();
    register_device(server(), "heping", "phone", webpush_spec(fake_, "/webpush/ok/heping"));
    // Mention pushes turned off on the device.
    auto no_mentions = webpush_spec(fake_, "/webpush/ok/liming");
    no_mentions["kinds"] = json::array{"duty", "meeting"};
    register_device(server(), "liming", "phone", no_mentions);
    // Not a member of 重华: a mention does not let anyone be reached through a group.
    register_device(server(), "stranger", "phone", webpush_spec(fake_, "/webpush/ok/stranger"));
    // The writer, connected.
    register_device(server(), "zhangfang", "phone", webpush_spec(fake_, "/webpush/ok/zhangfang"));
    auto zhangfang = TestClient::connect(server(), "zhangfang", {.name = "张芳"});

    v1::ClientFrame publish;
    auto* message = publish.mutable_publish();
    message->set_group("chonghua");
    message->set_text("@何平 明早八点北门集合");
    for (int i = 0; i <= 20; ++i) message->add_mentions("user" + std::to_string(i));
    zhangfang.expect_error(publish, v1::Error::TOO_LARGE);  // limits.max_mentions = 20
    message->clear_mentions();
    // wangxg coordinates the parent district: he may read 重华 (no device, nothing sent).
    for (const auto* user : {"heping", "liming", "zhangfang", "stranger", "heping", "wangxg"})
        message->add_mentions(user);
    const auto reply = zhangfang.expect_reply<v1::PublishReply>(publish);

    const auto got = fake_.wait_events(
        [](const json::object& e) { return FakePush::to_path(e, "/webpush/ok/heping"); }, 1);
    ASSERT_EQ(got.size(), 1U);
    EXPECT_EQ(got[0].at("status").to_number<int>(), 201) << json::serialize(got[0]);
    EXPECT_EQ(payload_field(got[0], "title"), "重华 · 张芳 提到了你");
    EXPECT_EQ(payload_field(got[0], "body"), "@何平 明早八点北门集合");
    EXPECT_EQ(data_field(got[0], "type"), "mention");
    EXPECT_EQ(data_field(got[0], "group"), "chonghua");
    EXPECT_EQ(data_field(got[0], "seq"), std::to_string(reply.seq()));

    // Recorded for heping, liming and wangxg; liming's dropped for the device's kinds.
    EXPECT_EQ(outbox_once_drained(server()), R"({"intents":[]})");
    EXPECT_NE(
        admin_http(server(), "GET", "/metrics").body.find("muster_chat_mention_pushes_total 3\n"),
        std::string::npos);
    expect_nothing_sent_to({"/webpush/ok/liming", "/webpush/ok/stranger", "/webpush/ok/zhangfang"});
    // Every reader sees whom it called, each once.
    const auto events =
        http_call(server(), "GET",
                  "/api/v1/groups/chonghua/events?after_seq=" + std::to_string(reply.seq() - 1), {},
                  server().token("heping"));
    ASSERT_EQ(events.status, 200) << events.body;
    EXPECT_NE(events.body.find(R"("mentions":["heping","liming","zhangfang","stranger","wangxg"])"),
              std::string::npos)
        << events.body;
}

TEST_P(PushDeliveryTest, readers_who_ask_for_chat_get_every_message_collapsed_per_group) {
    start();
    auto chat_on = [this](const std::string& user) {
        auto spec = webpush_spec(fake_, "/webpush/ok/" + user);
        spec["kinds"] = json::array{"duty", "chat", "mention"};
        return spec;
    };
    // Offline readers who asked for chat: a member, and the district's coordinator.
    register_device(server(), "heping", "phone", chat_on("heping"));
    register_device(server(), "wangxg", "phone", chat_on("wangxg"));
    // Asked for chat, but connected: the app shows the message itself.
    register_device(server(), "liming", "phone", chat_on("liming"));
    auto liming = TestClient::connect(server(), "liming");
    // Asked for chat, but not a reader of 重华.
    register_device(server(), "stranger", "phone", chat_on("stranger"));
    // An offline member with the default kinds (all but chat).
    add_member(server(), "chonghua", "chenjing");
    register_device(server(), "chenjing", "phone", webpush_spec(fake_, "/webpush/ok/chenjing"));
    // The writer asked for chat too, and is offline: never pushed her own words.
    register_device(server(), "zhangfang", "phone", chat_on("zhangfang"));
    const auto writer = server().token(client::TokenSpec{.user = "zhangfang", .name = "张芳"});

    // One message at a time, each awaited at both phones: chat pushes that wait together
    // collapse into the newest (the next test).
    std::vector<std::string> seqs;
    for (const auto* body :
         {R"({"text":"明早八点北门集合"})", R"({"text":"@何平 请带登记表","mentions":["heping"]})",
          R"({"text":"收到请回复"})"}) {
        seqs.push_back(post_message(body, writer));
        for (const auto* path : {"/webpush/ok/heping", "/webpush/ok/wangxg"}) {
            ASSERT_EQ(fake_
                          .wait_events(
                              [path](const json::object& e) { return FakePush::to_path(e, path); },
                              seqs.size())
                          .size(),
                      seqs.size())
                << path << ": " << fake_.output();
        }
    }

    // heping: the message that called him by name comes as a mention, not a second time as chat.
    const auto heping = fake_.wait_events(
        [](const json::object& e) { return FakePush::to_path(e, "/webpush/ok/heping"); }, 3);
    ASSERT_EQ(heping.size(), 3U) << fake_.output();
    std::map<std::string, const json::object*> by_seq;
    for (const auto& e : heping) by_seq[data_field(e, "seq")] = &e;
    ASSERT_EQ(by_seq.size(), 3U);
    const auto& first = *by_seq.at(seqs[0]);
    EXPECT_EQ(first.at("status").to_number<int>(), 201) << json::serialize(first);
    EXPECT_EQ(payload_field(first, "title"), "重华 · 张芳");
    EXPECT_EQ(payload_field(first, "body"), "明早八点北门集合");
    EXPECT_EQ(data_field(first, "type"), "chat");
    EXPECT_EQ(data_field(first, "group"), "chonghua");
    EXPECT_EQ(header(first, "urgency"), "normal");
    EXPECT_EQ(data_field(*by_seq.at(seqs[1]), "type"), "mention");
    EXPECT_EQ(data_field(*by_seq.at(seqs[2]), "type"), "chat");
    EXPECT_EQ(payload_field(*by_seq.at(seqs[2]), "body"), "收到请回复");
    // Collapsed per group: both chat pushes carry the same Topic, so the phone keeps one.
    EXPECT_FALSE(header(first, "topic").empty()) << json::serialize(first);
    EXPECT_EQ(header(*by_seq.at(seqs[2]), "topic"), header(first, "topic"));
    EXPECT_TRUE(header(*by_seq.at(seqs[1]), "topic").empty());

    // The coordinator of the district above may read 重华: every message, as chat.
    const auto wangxg = fake_.wait_events(
        [](const json::object& e) { return FakePush::to_path(e, "/webpush/ok/wangxg"); }, 3);
    ASSERT_EQ(wangxg.size(), 3U) << fake_.output();
    for (const auto& e : wangxg) EXPECT_EQ(data_field(e, "type"), "chat");

    EXPECT_EQ(outbox_once_drained(server()), R"({"intents":[]})");
    const auto metrics = admin_http(server(), "GET", "/metrics").body;
    EXPECT_NE(metrics.find("muster_chat_pushes_total 5\n"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("muster_chat_mention_pushes_total 1\n"), std::string::npos) << metrics;
    expect_nothing_sent_to({"/webpush/ok/liming", "/webpush/ok/stranger", "/webpush/ok/chenjing",
                            "/webpush/ok/zhangfang"});
    EXPECT_EQ(fake_
                  .events([](const json::object& e) {
                      return FakePush::to_path(e, "/webpush/ok/heping");
                  })
                  .size(),
              3U);
}

TEST_P(PushDeliveryTest, chat_pushes_waiting_together_are_sent_as_the_newest_alone) {
    // Recorded while no worker runs (as while quiet hours hold them), then sent in one page.
    start({"--push.worker=false"});
    auto chat_on = webpush_spec(fake_, "/webpush/ok/heping");
    chat_on["kinds"] = json::array{"chat"};
    register_device(server(), "heping", "phone", chat_on);
    const auto writer = server().token(client::TokenSpec{.user = "zhangfang", .name = "张芳"});
    post_message(R"({"text":"明早八点北门集合"})", writer);
    post_message(R"({"text":"请带登记表"})", writer);
    const auto newest = post_message(R"({"text":"收到请回复"})", writer);
    server().set_option("push.worker", "true");
    ASSERT_TRUE(server().restart());

    const auto got = fake_.wait_events(
        [](const json::object& e) { return FakePush::to_path(e, "/webpush/ok/heping"); }, 1);
    ASSERT_EQ(got.size(), 1U);
    EXPECT_EQ(data_field(got[0], "seq"), newest);
    EXPECT_EQ(payload_field(got[0], "body"), "收到请回复");
    EXPECT_EQ(outbox_once_drained(server()), R"({"intents":[]})");
    EXPECT_NE(admin_http(server(), "GET", "/metrics").body.find("muster_push_superseded_total 2\n"),
              std::string::npos);
    EXPECT_EQ(fake_
                  .events([](const json::object& e) {
                      return FakePush::to_path(e, "/webpush/ok/heping");
                  })
                  .size(),
              1U)
        << fake_.output();
}

TEST_P(PushDeliveryTest, intents_pending_across_a_restart_are_each_delivered_once) {
    // Recorded while no worker runs (as if the node died before sending), then delivered by
    // the restarted node.
    start({"--push.worker=false"});
    for (const auto* user : {"liming", "zhangfang", "heping"})
        register_device(server(), user, "phone",
                        webpush_spec(fake_, std::string("/webpush/ok/") + user));
    create_call(server(), 3, true, now_ms() + 3600000);
    create_call(server(), 2, false, now_ms() + 7200000);
    server().set_option("push.worker", "true");
    ASSERT_TRUE(server().restart());

    auto ours = [](const json::object& e) {
        const auto* p = e.if_contains("path");
        return p != nullptr && std::string_view(p->as_string()).starts_with("/webpush/ok/");
    };
    const auto got = fake_.wait_events(ours, 6);
    ASSERT_EQ(got.size(), 6U);
    std::set<std::string> intents;
    for (const auto& e : got) intents.insert(data_field(e, "intent"));
    EXPECT_EQ(intents.size(), 6U) << fake_.output();
    // Each once: the outbox is empty once they are in.
    EXPECT_EQ(outbox_once_drained(server()), R"({"intents":[]})");
    EXPECT_EQ(fake_.events(ours).size(), 6U) << fake_.output();
}

TEST_P(PushDeliveryTest, device_specs_are_checked) {
    start({"--push.allow_http_endpoints=false"});
    const auto token = server().token("liming");
    for (const auto* bad : {
             R"({"kind":"webhook","endpoint":"http://127.0.0.1:1/x","secret":"s"})",
             R"({"kind":"webhook","endpoint":"https://relay.example/x"})",
             R"({"kind":"apns","token":"abc"})",
             R"({"kind":"fcm"})",
             R"({"kind":"fcm","token":"t","locale":"fr"})",
             R"({"kind":"fcm","token":"t","quietHours":{"start":"25:00","end":"07:00"}})",
             R"({"kind":"fcm","token":"t","kinds":["duty","spam"]})",
             R"({"kind":"fcm","token":"t","timezone":"../../etc/passwd"})",
         }) {
        EXPECT_EQ(http_call(server(), "PUT", "/api/v1/devices/d", bad, token).status, 400) << bad;
    }
    EXPECT_EQ(
        http_call(
            server(), "PUT", "/api/v1/devices/d",
            R"({"kind":"apns","token":"abc","topic":"org.muster.app","environment":"sandbox","kinds":["duty","chat"]})",
            token)
            .status,
        201);
}

INSTANTIATE_TEST_SUITE_P(Backends, PushDeliveryTest, testing::ValuesIn(all_backends()),
                         backend_name);

}  // namespace
}  // namespace muster::test
