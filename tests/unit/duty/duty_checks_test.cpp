// The checks of duty-call commands, and the arithmetic of reminder rounds.

#include "features/duty/duty_checks.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "features/duty/duty_push.hpp"
#include "features/duty/duty_schedule.hpp"

namespace muster::features {
namespace {

namespace v1 = muster::v1;

constexpr std::int64_t now = 1'700'000'000'000;

v1::DutyCreate valid() {
    v1::DutyCreate request;
    request.set_group("chonghua");
    request.set_title("Gate duty");
    request.set_location("North gate");
    request.set_slots(3);
    request.set_starts_at_ms(now + 3'600'000);
    request.set_ends_at_ms(now + 4 * 3'600'000);
    return request;
}

errc code_of(const v1::DutyCreate& request, const Config& config = {}) {
    return check_create(request, config, now).code();
}

TEST(DutyChecks, a_complete_call_passes_and_its_deadline_defaults_to_the_start) {
    EXPECT_EQ(code_of(valid()), errc::ok);
    EXPECT_EQ(effective_deadline(valid()), now + 3'600'000);
    auto with_deadline = valid();
    with_deadline.set_deadline_ms(now + 60'000);
    EXPECT_EQ(effective_deadline(with_deadline), now + 60'000);
}

TEST(DutyChecks, each_bad_field_is_named) {
    Config config;
    auto expect = [&](auto mutate, errc code, const std::string& words) {
        auto request = valid();
        mutate(request);
        const Status s = check_create(request, config, now);
        EXPECT_EQ(s.code(), code) << s.message();
        EXPECT_NE(s.message().find(words), std::string::npos) << s.message();
    };
    expect([](v1::DutyCreate& r) { r.clear_group(); }, errc::invalid_argument, "group");
    expect([](v1::DutyCreate& r) { r.set_group("a b"); }, errc::invalid_argument, "group");
    expect([](v1::DutyCreate& r) { r.clear_title(); }, errc::invalid_argument, "title");
    expect(
        [&](v1::DutyCreate& r) { r.set_title(std::string(config.duty.max_title_bytes + 1, 'x')); },
        errc::too_large, "title");
    expect(
        [&](v1::DutyCreate& r) {
            r.set_location(std::string(config.duty.max_title_bytes + 1, 'x'));
        },
        errc::too_large, "location");
    expect([](v1::DutyCreate& r) { r.set_slots(0); }, errc::invalid_argument, "slots");
    expect([&](v1::DutyCreate& r) { r.set_slots(config.duty.max_slots + 1); }, errc::too_large,
           "slots");
    expect([](v1::DutyCreate& r) { r.set_urgency(static_cast<v1::DutyCall::Urgency>(9)); },
           errc::invalid_argument, "urgency");
    expect([](v1::DutyCreate& r) { r.set_ends_at_ms(r.starts_at_ms() - 1); },
           errc::invalid_argument, "ends_at_ms");
    expect([](v1::DutyCreate& r) { r.set_starts_at_ms(0); }, errc::invalid_argument, "deadline_ms");
    expect([](v1::DutyCreate& r) { r.set_deadline_ms(now); }, errc::invalid_argument, "past");
    expect([](v1::DutyCreate& r) { r.set_deadline_ms(r.ends_at_ms() + 1); }, errc::invalid_argument,
           "after ends_at_ms");
    expect([](v1::DutyCreate& r) { r.set_starts_at_ms(-5); }, errc::invalid_argument, "negative");
}

TEST(DutyChecks, answers_and_closes_are_checked) {
    Config config;
    v1::DutyRespond respond;
    respond.set_call_id("dc_1");
    EXPECT_EQ(check_respond(respond, config).code(), errc::invalid_argument);
    respond.set_answer(v1::DutyRespond::DECLINE);
    EXPECT_TRUE(check_respond(respond, config).ok());
    respond.set_note(std::string(config.limits.max_text_bytes + 1, 'n'));
    EXPECT_EQ(check_respond(respond, config).code(), errc::too_large);

    v1::DutyClose close;
    EXPECT_EQ(check_close(close, config).code(), errc::invalid_argument);
    close.set_call_id("dc_1");
    EXPECT_TRUE(check_close(close, config).ok());
}

TEST(DutyChecks, states_parse_in_any_case_but_not_unspecified) {
    EXPECT_EQ(*parse_state("OPEN"), v1::DutyCall::OPEN);
    EXPECT_EQ(*parse_state("expired"), v1::DutyCall::EXPIRED);
    EXPECT_FALSE(parse_state("STATE_UNSPECIFIED").ok());
    EXPECT_FALSE(parse_state("done").ok());
    EXPECT_FALSE(parse_state("").ok());
}

TEST(DutyPush, texts_say_what_and_where_and_data_says_which_call) {
    v1::DutyCall call;
    call.set_call_id("dc_1");
    call.set_group("chonghua");
    call.set_title("Gate duty");
    call.set_location("North gate");
    call.set_slots(3);
    call.set_urgency(v1::DutyCall::URGENT);
    const auto announced = announcement_push(call, "Gate");
    EXPECT_EQ(announced.title, "URGENT duty call: Gate duty");
    EXPECT_NE(announced.body.find("3 volunteers needed at North gate"), std::string::npos);
    EXPECT_NE(announced.data_json.find(R"("callId":"dc_1")"), std::string::npos);

    v1::DutyUpdate tally;
    tally.set_slots(3);
    tally.set_accepted(2);
    const auto reminder = reminder_push(call, tally, 2, "Gate");
    EXPECT_EQ(reminder.title, "Reminder: Gate duty");
    EXPECT_NE(reminder.body.find("1 slot is still open"), std::string::npos);
    EXPECT_NE(reminder.data_json.find(R"("round":2)"), std::string::npos);
}

TEST(DutySchedule, reminder_rounds_stop_at_the_maximum_and_before_the_deadline) {
    boost::asio::io_context io;
    ManualClock clock(now);
    Timers timers(io.get_executor(), clock);
    DutyConfig config;
    config.remind_interval_s = 600;
    config.max_reminders = 2;
    DutySchedule schedule(
        timers, config, [](const std::string&) {}, [](const std::string&, std::uint32_t) {});
    const std::int64_t deadline = now + 3'600'000;
    EXPECT_EQ(schedule.reminder_due(1, now, deadline), now + 600'000);
    EXPECT_EQ(schedule.reminder_due(2, now + 600'000, deadline), now + 1'200'000);
    EXPECT_FALSE(schedule.reminder_due(3, now + 1'200'000, deadline));  // max_reminders
    EXPECT_FALSE(schedule.reminder_due(1, deadline - 1000, deadline));  // after the deadline
    config.remind_interval_s = 0;
    DutySchedule never(
        timers, config, [](const std::string&) {}, [](const std::string&, std::uint32_t) {});
    EXPECT_FALSE(never.reminder_due(1, now, deadline));
}

TEST(DutySchedule, timers_fire_with_the_clock_and_forget_cancels_them) {
    boost::asio::io_context io;
    ManualClock clock(now);
    Timers timers(io.get_executor(), clock);
    DutyConfig config;
    config.remind_interval_s = 60;
    config.max_reminders = 1;
    std::vector<std::string> fired;
    DutySchedule schedule(
        timers, config, [&](const std::string& id) { fired.push_back("deadline " + id); },
        [&](const std::string& id, std::uint32_t round) {
            fired.push_back("remind " + id + " " + std::to_string(round));
        });
    duty::DutyTimerState a;
    a.call_id = "a";
    a.created_at_ms = now;
    a.deadline_ms = now + 120'000;
    duty::DutyTimerState b = a;
    b.call_id = "b";
    schedule.track(a);
    EXPECT_FALSE(schedule.track_if_missing(a));
    EXPECT_TRUE(schedule.track_if_missing(b));
    schedule.forget("b");
    // poll() stops the context when it runs out of work: restart before each turn.
    auto turn = [&] {
        io.restart();
        io.poll();
    };
    turn();
    clock.advance(60'000);
    timers.advanced();
    turn();
    EXPECT_EQ(fired, std::vector<std::string>{"remind a 1"});
    clock.advance(60'000);
    timers.advanced();
    turn();
    EXPECT_EQ(fired, (std::vector<std::string>{"remind a 1", "deadline a"}));
    EXPECT_EQ(schedule.size(), 1U);  // the owner forgets a call once its deadline is handled
}

}  // namespace
}  // namespace muster::features
