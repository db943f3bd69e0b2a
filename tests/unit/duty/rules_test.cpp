// The duty-call rules as pure functions (features/duty/rules.hpp), without a store: what each
// decides on a record and an audience, what it appends and pushes, and that running a rule
// again on the same record decides the same (a Redis swap that lost runs it again).

#include "features/duty/rules.hpp"

#include <gtest/gtest.h>

namespace muster::features::duty {
namespace {

namespace v1 = muster::v1;

constexpr std::int64_t t0 = 1'700'000'000'000;
constexpr std::int64_t deadline = t0 + 3'600'000;

std::vector<std::string> list(const google::protobuf::RepeatedPtrField<std::string>& items) {
    return {items.begin(), items.end()};
}

class DutyRulesTest : public testing::Test {
  protected:
    // coord's call in root, sent to root, a and b; u2 is in a and b.
    DutyRulesTest() {
        audience_ = {{"root", {"coord"}}, {"a", {"u1", "u2", "u3"}}, {"b", {"u2", "u4"}}};
    }

    DutyCreation creation(std::uint32_t slots, bool waitlist = false) {
        DutyCreation c;
        c.call.set_call_id("dc_1");
        c.call.set_group("root");
        c.call.set_title("Gate duty");
        c.call.set_slots(slots);
        c.call.set_waitlist(waitlist);
        c.call.set_deadline_ms(deadline);
        c.call.set_created_by("coord");
        c.call.set_created_at_ms(t0);
        for (const auto* g : {"root", "a", "b"}) c.call.add_target_groups(g);
        c.actor = {"coord", "协调员"};
        return c;
    }

    Result<DutyOutcome> run(const DutyRule& rule) { return rule(record_, audience_); }

    void make(std::uint32_t slots, bool waitlist = false) {
        auto created = run(create_rule(creation(slots, waitlist)));
        ASSERT_TRUE(created.ok()) << created.status().message();
    }

    // An answer, applied to record_ (with a made-up seq for its update, as a store would).
    Result<DutyOutcome> answer(const std::string& user, v1::DutyRespond::Answer a,
                               const std::string& note = {}, std::int64_t at = t0 + 1000) {
        DutyAnswer request{"dc_1", {user, "User " + user}, a, note, at};
        auto outcome = run(respond_rule(request));
        if (outcome.ok() && outcome->write) {
            for (auto& stored : *record_.mutable_answers()) {
                if (stored.user() == user) stored.set_seq(++seq_);
            }
        }
        return outcome;
    }

    StoredDutyCall record_;
    Audience audience_;
    std::uint64_t seq_ = 1;
};

TEST_F(DutyRulesTest, create_announces_everywhere_and_pushes_only_to_the_silent_audience) {
    auto c = creation(2);
    c.push.intent.title = "Duty call";
    c.push.to = {"u1", "u4", "outsider", "coord"};
    auto outcome = run(create_rule(c));
    ASSERT_TRUE(outcome.ok());
    EXPECT_TRUE(outcome->write);
    ASSERT_EQ(outcome->appends.size(), 3U);
    EXPECT_TRUE(outcome->appends[0].announcement);
    EXPECT_EQ(outcome->appends[0].event.group(), "root");
    EXPECT_EQ(outcome->appends[2].event.group(), "b");
    EXPECT_EQ(outcome->appends[1].event.sender_name(), "协调员");
    EXPECT_EQ(outcome->appends[1].event.duty_call().state(), v1::DutyCall::OPEN);
    EXPECT_EQ(outcome->push.users, (std::vector<std::string>{"u1", "u4"}));
    EXPECT_EQ(outcome->push.notification.created_ms, t0);
    EXPECT_EQ(outcome->result.tally.pending(), 4U);  // u1..u4 once each; not the creator

    // Again on the stored record: a retry by the creator, by anyone else a conflict.
    record_.set_seq(7);
    auto retry = run(create_rule(creation(2)));
    ASSERT_TRUE(retry.ok());
    EXPECT_FALSE(retry->write);
    EXPECT_TRUE(retry->appends.empty());
    DutyApplied applied{record_, *retry};
    EXPECT_TRUE(created_of(applied).duplicate);
    EXPECT_EQ(created_of(applied).seq, 7U);
    auto other = creation(2);
    other.call.set_created_by("someone");
    EXPECT_EQ(run(create_rule(other)).status().code(), errc::conflict);
}

// The SQLite store reads each group's members sorted and the recipients come in the audience's
// order, which the rules use to merge rather than search; another order must decide the same.
TEST_F(DutyRulesTest, members_and_recipients_in_any_order_decide_the_same) {
    audience_ = {{"root", {"coord"}}, {"a", {"u3", "u1", "u2"}}, {"b", {"u4", "u2"}}};
    auto sorted = creation(2);
    sorted.push.to = {"coord", "outsider", "u1", "u2", "u4"};
    auto outcome = run(create_rule(sorted));
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(outcome->push.users, (std::vector<std::string>{"u1", "u2", "u4"}));
    EXPECT_EQ(outcome->result.tally.pending(), 4U);
    EXPECT_EQ(silent(record_, audience_), (std::vector<std::string>{"u1", "u2", "u3", "u4"}));

    record_ = StoredDutyCall{};
    auto unsorted = creation(2);
    unsorted.push.to = {"u4", "u2", "outsider", "u1"};
    outcome = run(create_rule(unsorted));
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(outcome->push.users, (std::vector<std::string>{"u4", "u2", "u1"}));
    ASSERT_TRUE(answer("u2", v1::DutyRespond::ACCEPT).ok());
    EXPECT_EQ(silent(record_, audience_), (std::vector<std::string>{"u1", "u3", "u4"}));
}

TEST_F(DutyRulesTest, slots_are_never_exceeded_and_a_decline_reopens_a_filled_call) {
    make(2);
    EXPECT_EQ(answer("u1", v1::DutyRespond::ACCEPT)->result.tally.state(), v1::DutyCall::OPEN);
    auto filled = answer("u2", v1::DutyRespond::ACCEPT);
    ASSERT_TRUE(filled.ok());
    EXPECT_EQ(filled->result.tally.state(), v1::DutyCall::FILLED);
    EXPECT_EQ(filled->result.previous, v1::DutyCall::OPEN);
    EXPECT_EQ(list(filled->result.tally.accepted_users()), (std::vector<std::string>{"u1", "u2"}));
    EXPECT_EQ(filled->result.tally.pending(), 2U);
    // The update goes to every target group; the one in the call's group records the answer.
    ASSERT_EQ(filled->appends.size(), 3U);
    EXPECT_EQ(filled->appends[0].answer_of, "u2");
    EXPECT_EQ(filled->appends[1].answer_of, "");
    EXPECT_EQ(filled->appends[2].event.duty_update().user(), "u2");

    const auto before = record_.SerializeAsString();
    auto refused = answer("u3", v1::DutyRespond::ACCEPT);
    EXPECT_EQ(refused.status().code(), errc::conflict);
    EXPECT_NE(refused.status().message().find("full: 2 of 2"), std::string::npos);
    EXPECT_EQ(record_.SerializeAsString(), before);  // a refusal changes nothing
    EXPECT_EQ(answer("u3", v1::DutyRespond::DECLINE)->result.tally.declined(), 1U);

    auto reopened = answer("u1", v1::DutyRespond::DECLINE);
    ASSERT_TRUE(reopened.ok());
    EXPECT_EQ(reopened->result.tally.state(), v1::DutyCall::OPEN);
    EXPECT_EQ(reopened->result.tally.accepted(), 1U);
    EXPECT_EQ(reopened->result.tally.declined(), 2U);
    auto taken = answer("u4", v1::DutyRespond::ACCEPT);
    EXPECT_EQ(taken->result.tally.state(), v1::DutyCall::FILLED);
    EXPECT_EQ(list(taken->result.tally.accepted_users()), (std::vector<std::string>{"u2", "u4"}));
}

TEST_F(DutyRulesTest, the_same_answer_again_changes_nothing_and_a_new_note_keeps_the_place) {
    make(2);
    ASSERT_TRUE(answer("u1", v1::DutyRespond::ACCEPT, "on my way").ok());
    const std::uint64_t first = seq_;
    ASSERT_TRUE(answer("u2", v1::DutyRespond::ACCEPT).ok());
    auto repeat = answer("u1", v1::DutyRespond::ACCEPT, "on my way");
    ASSERT_TRUE(repeat.ok());
    EXPECT_FALSE(repeat->write);
    EXPECT_TRUE(repeat->appends.empty());
    EXPECT_EQ(change_of(DutyApplied{record_, *repeat}).seq, first);
    auto noted = answer("u1", v1::DutyRespond::ACCEPT, "bringing a thermometer");
    ASSERT_TRUE(noted->result.changed);
    EXPECT_EQ(list(noted->result.tally.accepted_users()), (std::vector<std::string>{"u1", "u2"}));
    EXPECT_EQ(record_.answers(0).note(), "bringing a thermometer");
}

TEST_F(DutyRulesTest, the_waiting_list_moves_up_in_order_when_a_slot_frees) {
    make(1, /*waitlist=*/true);
    ASSERT_TRUE(answer("u1", v1::DutyRespond::ACCEPT).ok());
    auto waiting = answer("u2", v1::DutyRespond::ACCEPT);
    ASSERT_TRUE(waiting.ok());
    EXPECT_TRUE(waiting->result.waitlisted);
    ASSERT_TRUE(answer("u3", v1::DutyRespond::ACCEPT)->result.waitlisted);
    auto moved = answer("u1", v1::DutyRespond::DECLINE);
    ASSERT_TRUE(moved.ok());
    EXPECT_EQ(moved->result.tally.state(), v1::DutyCall::FILLED);
    EXPECT_EQ(list(moved->result.tally.accepted_users()), std::vector<std::string>{"u2"});
    EXPECT_EQ(list(moved->result.tally.waitlisted_users()), std::vector<std::string>{"u3"});
}

TEST_F(DutyRulesTest, answers_stop_at_the_deadline_and_at_a_close) {
    make(2);
    EXPECT_EQ(answer("u1", v1::DutyRespond::ACCEPT, {}, deadline).status().code(), errc::conflict);
    DutyClosing closing{"dc_1", {"coord", "协调员"}, true, "下雨 rain", t0 + 5};
    auto closed = run(close_rule(closing));
    ASSERT_TRUE(closed.ok());
    EXPECT_EQ(closed->result.tally.state(), v1::DutyCall::CANCELLED);
    EXPECT_EQ(closed->result.tally.reason(), "下雨 rain");
    EXPECT_EQ(closed->appends.size(), 3U);
    EXPECT_TRUE(record_.timers_done());
    EXPECT_EQ(record_.closed_at_ms(), t0 + 5);
    EXPECT_EQ(answer("u1", v1::DutyRespond::ACCEPT).status().code(), errc::conflict);
    EXPECT_EQ(run(close_rule(closing)).status().code(), errc::conflict);
}

TEST_F(DutyRulesTest, expiry_comes_once_at_the_deadline_and_spares_filled_calls) {
    make(1);
    auto early = run(expire_rule(deadline - 1));
    EXPECT_FALSE(early->write);
    auto expired = run(expire_rule(deadline));
    ASSERT_TRUE(expired.ok());
    EXPECT_TRUE(expired->result.changed);
    EXPECT_EQ(expired->result.tally.state(), v1::DutyCall::EXPIRED);
    EXPECT_EQ(expired->appends[0].event.sender(), "");
    EXPECT_TRUE(record_.timers_done());
    EXPECT_FALSE(run(expire_rule(deadline + 1))->write);

    record_.Clear();
    make(1);
    ASSERT_TRUE(answer("u1", v1::DutyRespond::ACCEPT).ok());
    auto filled = run(expire_rule(deadline));
    EXPECT_FALSE(filled->result.changed);
    EXPECT_TRUE(filled->appends.empty());
    EXPECT_TRUE(filled->write);  // its timers are done: the stores stop listing it
    EXPECT_EQ(record_.call().state(), v1::DutyCall::FILLED);
    EXPECT_TRUE(record_.timers_done());
    EXPECT_FALSE(run(expire_rule(deadline + 1))->write);
}

TEST_F(DutyRulesTest, a_reminder_round_is_sent_once_and_names_each_groups_own_silent) {
    make(3);
    ASSERT_TRUE(answer("u1", v1::DutyRespond::ACCEPT).ok());
    ASSERT_TRUE(answer("u3", v1::DutyRespond::DECLINE).ok());
    DutyReminding reminding;
    reminding.call_id = "dc_1";
    reminding.round = 1;
    reminding.now_ms = t0 + 1'800'000;
    reminding.push.to = {"u1", "u4"};  // u1 answered: no push
    const StoredDutyCall before = record_;
    auto sent = run(remind_rule(reminding));
    ASSERT_TRUE(sent.ok());
    // Nobody silent in root: no event there. u2 is in a and b: named in both.
    ASSERT_EQ(sent->appends.size(), 2U);
    EXPECT_EQ(sent->appends[0].event.group(), "a");
    EXPECT_EQ(list(sent->appends[0].event.duty_reminder().users()), std::vector<std::string>{"u2"});
    EXPECT_EQ(list(sent->appends[1].event.duty_reminder().users()),
              (std::vector<std::string>{"u2", "u4"}));
    EXPECT_EQ(sent->appends[1].event.duty_reminder().round(), 1U);
    EXPECT_EQ(sent->push.users, std::vector<std::string>{"u4"});
    const auto reminded = reminded_of(DutyApplied{record_, *sent});
    EXPECT_TRUE(reminded.sent);
    EXPECT_EQ(reminded.users, (std::vector<std::string>{"u2", "u4"}));
    EXPECT_EQ(reminded.reminders_sent, 1U);
    EXPECT_EQ(reminded.last_reminder_ms, t0 + 1'800'000);

    // Pure: on the record as it was, the same rule decides the same.
    StoredDutyCall replay = before;
    auto again = remind_rule(reminding)(replay, audience_);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(replay.SerializeAsString(), record_.SerializeAsString());
    EXPECT_EQ(again->appends.size(), sent->appends.size());

    // Round 1 again (another node, late): nothing; round 2 is next.
    auto late = run(remind_rule(reminding));
    EXPECT_FALSE(late->write);
    EXPECT_FALSE(reminded_of(DutyApplied{record_, *late}).sent);
    EXPECT_EQ(reminded_of(DutyApplied{record_, *late}).reminders_sent, 1U);
}

TEST_F(DutyRulesTest, the_view_names_answers_and_falls_back_to_the_directory) {
    make(2);
    ASSERT_TRUE(answer("u1", v1::DutyRespond::ACCEPT).ok());
    record_.mutable_answers(0)->set_name("");
    DutySnapshot snapshot{record_, audience_, {{"u1", "王芳"}}};
    const auto view_of = view(snapshot, true);
    ASSERT_EQ(view_of.responses_size(), 1);
    EXPECT_EQ(view_of.responses(0).name(), "王芳");
    EXPECT_EQ(view_of.tally().accepted(), 1U);
    EXPECT_EQ(view_of.tally().pending(), 3U);
    EXPECT_EQ(view(snapshot, false).responses_size(), 0);
    EXPECT_EQ(silent(record_, audience_), (std::vector<std::string>{"u2", "u3", "u4"}));
}

}  // namespace
}  // namespace muster::features::duty
