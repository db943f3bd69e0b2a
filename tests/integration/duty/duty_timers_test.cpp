// Time-driven duty calls, on the manual clock: reminders reach the members who have not
// answered (by push when they have no connection), and a call expires at its deadline with
// nobody touching it, also when the node restarted in between.

#include "duty_fixture.hpp"

namespace muster::test {
namespace {

class DutyTimersTest : public DutyTest {};

constexpr std::int64_t minute = 60'000;

TEST_P(DutyTimersTest, reminders_go_to_the_silent_ones_only_and_by_push_to_the_offline) {
    start({"--duty.remind_interval_s=600", "--duty.max_reminders=2"});
    // liming and zhangfang are connected; heping never is.
    auto liming = TestClient::connect(server(), "liming");
    auto zhangfang = TestClient::connect(server(), "zhangfang");
    zhangfang.subscribe("chonghua");
    auto wangxg = TestClient::connect(server(), "wangxg");
    const auto call =
        wangxg.expect_reply<v1::DutyCreateReply>(create_frame("chonghua", 3)).call_id();
    ASSERT_TRUE(zhangfang.next_log_event().has_duty_call());
    // The announcement went by push to the one member with no connection. An update's intents
    // reach the outbox in one write (the SQLite transaction, or one Redis script), so once
    // heping's is there, one for a connected member would be there too: one read shows there
    // is none.
    EXPECT_EQ(pushes_become("heping", {"duty_call"}), std::vector<std::string>{"duty_call"});
    EXPECT_TRUE(pushes_for("liming").empty());
    EXPECT_TRUE(pushes_for("zhangfang").empty());

    liming.expect_reply<v1::DutyRespondReply>(respond_frame(call, v1::DutyRespond::ACCEPT));
    ASSERT_TRUE(zhangfang.next_log_event().has_duty_update());

    advance(10 * minute - 1);  // not yet
    zhangfang.expect_quiet(zhangfang, "chonghua");
    advance(1);
    auto event = zhangfang.next_log_event();
    ASSERT_TRUE(event.has_duty_reminder()) << client::to_json(event);
    EXPECT_EQ(event.duty_reminder().call_id(), call);
    EXPECT_EQ(event.duty_reminder().round(), 1U);
    EXPECT_EQ(event.duty_reminder().title(), "Gate duty");
    EXPECT_EQ(list_of(event.duty_reminder().users()),
              (std::vector<std::string>{"heping", "zhangfang"}));  // not liming: he answered
    EXPECT_TRUE(event.sender().empty());                           // the server's own event
    EXPECT_EQ(pushes_become("heping", {"duty_call", "duty_reminder"}),
              (std::vector<std::string>{"duty_call", "duty_reminder"}));
    EXPECT_TRUE(pushes_for("zhangfang").empty());  // connected: the event reached her

    zhangfang.expect_reply<v1::DutyRespondReply>(respond_frame(call, v1::DutyRespond::DECLINE));
    ASSERT_TRUE(zhangfang.next_log_event().has_duty_update());
    advance(10 * minute);
    event = zhangfang.next_log_event();
    ASSERT_TRUE(event.has_duty_reminder()) << client::to_json(event);
    EXPECT_EQ(event.duty_reminder().round(), 2U);
    EXPECT_EQ(list_of(event.duty_reminder().users()), std::vector<std::string>{"heping"});

    advance(10 * minute);  // max_reminders = 2: no third round
    zhangfang.expect_quiet(zhangfang, "chonghua");
    EXPECT_EQ(pushes_become("heping", {"duty_call", "duty_reminder", "duty_reminder"}),
              (std::vector<std::string>{"duty_call", "duty_reminder", "duty_reminder"}));
}

TEST_P(DutyTimersTest, a_call_expires_at_its_deadline_with_nobody_touching_it) {
    start();
    auto liming = TestClient::connect(server(), "liming");
    liming.subscribe("chonghua");
    auto wangxg = TestClient::connect(server(), "wangxg");
    auto frame = create_frame("chonghua", 2);
    frame.mutable_duty_create()->set_deadline_ms(server_now() + 30 * minute);
    const auto call = wangxg.expect_reply<v1::DutyCreateReply>(frame).call_id();
    ASSERT_TRUE(liming.next_log_event().has_duty_call());
    liming.expect_reply<v1::DutyRespondReply>(respond_frame(call, v1::DutyRespond::ACCEPT));
    ASSERT_TRUE(liming.next_log_event().has_duty_update());

    advance(30 * minute);
    const auto event = liming.next_log_event();
    ASSERT_TRUE(event.has_duty_update()) << client::to_json(event);
    EXPECT_EQ(event.duty_update().state(), v1::DutyCall::EXPIRED);
    EXPECT_EQ(event.duty_update().accepted(), 1U);
    EXPECT_EQ(record(call).call().state(), v1::DutyCall::EXPIRED);
    auto late =
        liming.expect_error(respond_frame(call, v1::DutyRespond::DECLINE), v1::Error::CONFLICT);
    EXPECT_NE(late.message().find("expired"), std::string::npos) << late.message();
}

TEST_P(DutyTimersTest, expiry_survives_a_restart_of_the_node) {
    start();
    std::string call;
    std::uint64_t seen = 0;
    std::int64_t deadline = 0;
    {
        auto wangxg = TestClient::connect(server(), "wangxg");
        auto frame = create_frame("chonghua", 2);
        deadline = frame.duty_create().starts_at_ms();
        const auto created = wangxg.expect_reply<v1::DutyCreateReply>(frame);
        call = created.call_id();
        seen = created.seq();
        wangxg.close();
    }
    server().stop();
    ASSERT_TRUE(server().restart());  // a new process: its timers come from the store

    // The clock will move an hour: a token that outlives it.
    auto liming = TestClient::connect(server(), "liming", {.ttl = std::chrono::hours(24)});
    liming.subscribe("chonghua", seen);
    const std::int64_t now = server_now();
    ASSERT_LT(now, deadline);
    advance(deadline - now - 1);
    // Half way (duty.remind_interval_s is 30 min), the reminder came: its timer was rebuilt too.
    const auto reminder = liming.next_log_event();
    ASSERT_TRUE(reminder.has_duty_reminder()) << client::to_json(reminder);
    EXPECT_EQ(reminder.duty_reminder().round(), 1U);
    liming.expect_quiet(liming, "chonghua");  // but no expiry before the deadline
    advance(1);
    const auto event = liming.next_log_event();
    ASSERT_TRUE(event.has_duty_update()) << client::to_json(event);
    EXPECT_EQ(event.duty_update().call_id(), call);
    EXPECT_EQ(event.duty_update().state(), v1::DutyCall::EXPIRED);
    EXPECT_EQ(record(call).tally().state(), v1::DutyCall::EXPIRED);
}

TEST_P(DutyTimersTest, a_deadline_passed_while_the_node_was_down_expires_the_call_at_start) {
    start();
    const std::string call = [&] {
        auto wangxg = TestClient::connect(server(), "wangxg");
        auto frame = create_frame("chonghua", 2);
        frame.mutable_duty_create()->set_deadline_ms(server_now() + minute);
        return wangxg.expect_reply<v1::DutyCreateReply>(frame).call_id();
    }();
    // Killed, and restarted on a clock past the deadline.
    const std::int64_t later = server_now() + 2 * minute;
    server().kill();
    server().set_option("debug.manual_clock_start_ms", std::to_string(later));
    ASSERT_TRUE(server().restart());
    auto liming = TestClient::connect(server(), "liming");
    liming.subscribe("chonghua", 1);  // after the DutyCall
    const auto event = liming.next_log_event();
    ASSERT_TRUE(event.has_duty_update()) << client::to_json(event);
    EXPECT_EQ(event.duty_update().state(), v1::DutyCall::EXPIRED);
    EXPECT_EQ(record(call).call().state(), v1::DutyCall::EXPIRED);
}

INSTANTIATE_TEST_SUITE_P(Backends, DutyTimersTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test
