// SqliteDutyStore running the feature's rules (features/duty/rules.hpp) against a real
// database file: what a rule decides is stored with its events and push intents in one
// transaction (slots, state, tally, seqs), timers and listings follow, and a reopened database
// finds it all.

#include "store/sqlite/sqlite_duty_store.hpp"

#include <future>

#include <gtest/gtest.h>

#include "bus/local_bus.hpp"
#include "features/duty/rules.hpp"
#include "protocol/event_limits.hpp"
#include "store/sqlite/sqlite_push_outbox.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "unit/store/store_test_util.hpp"

namespace muster::store {
namespace {

namespace v1 = muster::v1;
using namespace features::duty;
using test::wait_for;

constexpr std::int64_t t0 = 1'700'000'000'000;

class SqliteDutyStoreTest : public testing::Test {
  protected:
    SqliteDutyStoreTest() {
        config_.server.data_dir = dir_.path();
        bus_.set_handler(&recorder_);
        open();
        for (const auto& [id, parent] : {std::pair<std::string, std::string>{"root", ""},
                                         {"a", "root"},
                                         {"b", "root"},
                                         {"other", ""}}) {
            EXPECT_TRUE(wait_for<Unit>([&](const Done<Unit>& d) {
                            store_->directory().put_group(GroupInfo{id, id, parent}, d);
                        }).ok());
        }
        member("root", "coord", Role::coordinator);
        for (const auto* user : {"u1", "u2", "u3"}) member("a", user);
        member("b", "u4");
        member("other", "outsider");
    }
    ~SqliteDutyStoreTest() override { close(); }

    void open() {
        store_ = std::make_unique<SqliteStore>(config_, bus_, clock_);
        outbox_ = std::make_unique<SqlitePushOutbox>(store_->database(), clock_);
        duty_ = std::make_unique<SqliteDutyStore>(store_->database(), store_->sqlite_log(),
                                                  *outbox_, read_ahead_ids_);
    }
    void close() {
        if (store_) store_->close();
        duty_.reset();
        outbox_.reset();
        store_.reset();
    }

    void member(const std::string& group, const std::string& user, Role role = Role::member) {
        EXPECT_TRUE(wait_for<Unit>([&](const Done<Unit>& d) {
                        store_->directory().put_member(group, user, role, "", d);
                    }).ok());
    }

    // A call from coord in root, with targets root + a + b unless `targets` says otherwise.
    DutyCreation creation(const std::string& id, std::uint32_t slots, bool waitlist = false,
                          std::vector<std::string> targets = {"root", "a", "b"}) {
        DutyCreation c;
        c.call.set_call_id(id);
        c.call.set_group(targets.front());
        c.call.set_title("Gate duty");
        c.call.set_slots(slots);
        c.call.set_waitlist(waitlist);
        c.call.set_deadline_ms(t0 + 3'600'000);
        c.call.set_created_by("coord");
        c.call.set_created_at_ms(t0);
        c.call.set_state(v1::DutyCall::OPEN);
        for (const auto& g : targets) c.call.add_target_groups(g);
        c.actor = DutyActor{"coord", "Coordinator"};
        return c;
    }

    Result<DutyApplied> apply(const std::string& call, DutyRule rule) {
        return wait_for<DutyApplied>(
            [&](const Done<DutyApplied>& d) { duty_->apply(call, std::move(rule), d); });
    }

    Result<DutyCreated> create(DutyCreation c) {
        const std::string id = c.call.call_id();
        std::vector<std::string> targets(c.call.target_groups().begin(),
                                         c.call.target_groups().end());
        auto applied = wait_for<DutyApplied>([&](const Done<DutyApplied>& d) {
            duty_->create(id, targets, create_rule(std::move(c)), d);
        });
        if (!applied) return applied.status();
        return created_of(*applied);
    }

    Result<DutyChange> change(const std::string& call, DutyRule rule) {
        auto applied = apply(call, std::move(rule));
        if (!applied) return applied.status();
        return change_of(std::move(*applied));
    }

    Result<DutyReminded> remind(const DutyReminding& reminding) {
        auto applied = apply(reminding.call_id, remind_rule(reminding));
        if (!applied) return applied.status();
        return reminded_of(*applied);
    }

    Result<DutyChange> answer(const std::string& call, const std::string& user,
                              v1::DutyRespond::Answer a, const std::string& note = {},
                              std::int64_t at = t0 + 1000) {
        DutyAnswer request;
        request.call_id = call;
        request.actor = DutyActor{user, "User " + user};
        request.answer = a;
        request.note = note;
        request.now_ms = at;
        return change(call, respond_rule(std::move(request)));
    }

    // `user` accepts dc_1, without waiting: the result goes to `answered`.
    void accept_later(const std::string& user, std::promise<Result<DutyApplied>>& answered) {
        DutyAnswer request;
        request.call_id = "dc_1";
        request.actor = DutyActor{user, "User " + user};
        request.answer = v1::DutyRespond::ACCEPT;
        request.now_ms = t0 + 1000;
        duty_->apply("dc_1", respond_rule(std::move(request)),
                     [&answered](Result<DutyApplied> r) { answered.set_value(std::move(r)); });
    }

    v1::DutyCallRecord record(const std::string& call) {
        auto r = wait_for<DutySnapshot>([&](const Done<DutySnapshot>& d) { duty_->read(call, d); });
        EXPECT_TRUE(r.ok()) << r.status().message();
        return r.ok() ? view(*r, true) : v1::DutyCallRecord{};
    }

    std::vector<push::PushIntent> intents() {
        auto r = wait_for<std::vector<push::PushIntent>>(
            [&](const Done<std::vector<push::PushIntent>>& d) { outbox_->list({}, d); });
        EXPECT_TRUE(r.ok());
        return r.ok() ? *r : std::vector<push::PushIntent>{};
    }

    test::TempDir dir_;
    Config config_;
    std::uint64_t read_ahead_ids_ = 100000;
    bus::LocalBus bus_;
    test::RecordingHandler recorder_;
    ManualClock clock_{t0};
    std::unique_ptr<SqliteStore> store_;
    std::unique_ptr<SqlitePushOutbox> outbox_;
    std::unique_ptr<SqliteDutyStore> duty_;
};

std::vector<std::string> users(const google::protobuf::RepeatedPtrField<std::string>& list) {
    return {list.begin(), list.end()};
}

TEST_F(SqliteDutyStoreTest, create_announces_in_every_target_group_and_pushes_to_the_audience) {
    auto c = creation("dc_1", 2);
    c.push.intent.title = "Duty call: Gate duty";
    c.push.to = {"u1", "u4", "outsider"};  // outsider is not in the audience: no push
    auto created = create(std::move(c));
    ASSERT_TRUE(created.ok()) << created.status().message();
    EXPECT_EQ(created->seq, 1U);
    EXPECT_EQ(created->pushed, 2U);
    for (const auto* group : {"root", "a", "b"}) {
        ASSERT_EQ(recorder_.seqs(group), std::vector<std::uint64_t>{1}) << group;
        const auto event = test::parse_event(recorder_.of(group)[0].event);
        EXPECT_EQ(event.duty_call().call_id(), "dc_1");
        EXPECT_EQ(event.sender(), "coord");
    }
    EXPECT_TRUE(recorder_.of("other").empty());
    const auto pushes = intents();
    ASSERT_EQ(pushes.size(), 2U);
    EXPECT_EQ(pushes[0].user, "u1");
    EXPECT_EQ(pushes[1].user, "u4");
    EXPECT_EQ(pushes[0].title, "Duty call: Gate duty");

    const auto r = record("dc_1");
    EXPECT_EQ(r.call().state(), v1::DutyCall::OPEN);
    EXPECT_EQ(r.tally().pending(), 4U);  // u1..u4; the creator is not asked
    // The same id by the same creator is a retry: the first seq, nothing announced or pushed.
    auto again = create(creation("dc_1", 2));
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_TRUE(again->duplicate);
    EXPECT_EQ(again->seq, 1U);
    EXPECT_EQ(again->pushed, 0U);
    EXPECT_EQ(recorder_.seqs("root"), std::vector<std::uint64_t>{1});
    // By someone else: taken.
    auto taken = creation("dc_1", 2);
    taken.call.set_created_by("someone");
    EXPECT_EQ(create(std::move(taken)).status().code(), errc::conflict);
}

// The audience is read ahead of the write job, on the reader (as on Redis, before the swap):
// a member whose joining commits between that read and the change is counted by the next
// change, not by this one. The slots are decided by the record alone, inside the transaction.
TEST_F(SqliteDutyStoreTest, a_change_counts_the_members_its_read_found_and_the_next_counts_again) {
    ASSERT_TRUE(create(creation("dc_1", 2)).ok());
    std::promise<Result<DutyApplied>> answered;
    std::promise<Status> joined;
    {
        test::WriterGate gate(store_->database());
        // u5 joins a: the write waits behind the gate, not committed yet.
        store_->directory().put_member("a", "u5", Role::member, "", [&](const Result<Unit>& r) {
            joined.set_value(r.status());
        });
        accept_later("u1", answered);
        // One reader, in order: once a later read is done, so is the answer's (without u5), and
        // its write is queued behind u5's.
        ASSERT_TRUE(record("dc_1").has_call());
    }
    auto joining = joined.get_future();
    ASSERT_EQ(joining.wait_for(test::wait_limit), std::future_status::ready);
    ASSERT_TRUE(joining.get().ok());
    auto answering = answered.get_future();
    ASSERT_EQ(answering.wait_for(test::wait_limit), std::future_status::ready);
    auto applied = answering.get();
    ASSERT_TRUE(applied.ok()) << applied.status().message();
    const DutyChange first = change_of(std::move(*applied));
    EXPECT_EQ(first.tally.accepted(), 1U);
    EXPECT_EQ(first.tally.pending(), 3U);  // u2, u3, u4: u5 joined after the read

    auto second = answer("dc_1", "u2", v1::DutyRespond::ACCEPT);
    ASSERT_TRUE(second.ok()) << second.status().message();
    EXPECT_EQ(second->tally.pending(), 3U);  // u3, u4 and now u5
    EXPECT_EQ(record("dc_1").tally().pending(), 3U);
}

// The audiences read ahead hold at most store.read_ahead_ids member ids: with the writer held
// up, a change beyond the bound reads its audience inside the write job; every id is given back
// once the write jobs are done, and every answer counts.
TEST_F(SqliteDutyStoreTest, audiences_read_ahead_are_bounded_and_given_back) {
    close();
    read_ahead_ids_ = 8;  // the call's audience is 5 ids (coord; u1, u2, u3; u4): one fits
    open();
    ASSERT_TRUE(create(creation("dc_1", 5)).ok());
    // A later write is done only after the writer let go of the batch before it, and with it
    // the jobs of that batch and their reservations (a group outside the call's audience).
    member("other", "later1");
    EXPECT_EQ(duty_->read_ahead_ids_held(), 0U);
    std::vector<std::promise<Result<DutyApplied>>> answered(3);
    {
        test::WriterGate gate(store_->database());
        for (std::size_t i = 0; i < answered.size(); ++i)
            accept_later("u" + std::to_string(i + 1), answered[i]);
        ASSERT_TRUE(record("dc_1").has_call());  // one reader, in order: the three reads are done
        EXPECT_EQ(duty_->read_ahead_ids_held(), 5U);
    }
    for (auto& promise : answered) {
        auto future = promise.get_future();
        ASSERT_EQ(future.wait_for(test::wait_limit), std::future_status::ready);
        ASSERT_TRUE(future.get().ok());
    }
    EXPECT_EQ(record("dc_1").tally().accepted(), 3U);
    member("other", "later2");
    EXPECT_EQ(duty_->read_ahead_ids_held(), 0U);
}

// With no read-ahead (store.read_ahead_ids = 0), a change reads its audience inside the write
// job: a member whose joining is queued before it is counted at once.
TEST_F(SqliteDutyStoreTest, without_read_ahead_a_change_counts_the_members_of_its_transaction) {
    close();
    read_ahead_ids_ = 0;
    open();
    ASSERT_TRUE(create(creation("dc_1", 2)).ok());
    {
        test::WriterGate gate(store_->database());
        store_->directory().put_member("a", "u5", Role::member, "", [](const Result<Unit>&) {});
        // Queued behind u5's write, as the ahead case's is (here without a read first).
        std::promise<Result<DutyApplied>> answered;
        accept_later("u1", answered);
        gate.open();
        auto future = answered.get_future();
        ASSERT_EQ(future.wait_for(test::wait_limit), std::future_status::ready);
        auto applied = future.get();
        ASSERT_TRUE(applied.ok()) << applied.status().message();
        EXPECT_EQ(change_of(std::move(*applied)).tally.pending(), 4U);  // u2, u3, u4, u5
    }
    EXPECT_EQ(duty_->read_ahead_ids_held(), 0U);
}

TEST_F(SqliteDutyStoreTest, create_in_a_missing_group_stores_nothing) {
    auto created = create(creation("dc_x", 1, false, {"nope"}));
    EXPECT_EQ(created.status().code(), errc::not_found);
    auto found =
        wait_for<v1::DutyCall>([&](const Done<v1::DutyCall>& d) { duty_->find("dc_x", d); });
    EXPECT_EQ(found.status().code(), errc::not_found);
}

TEST_F(SqliteDutyStoreTest, slots_are_never_exceeded_and_a_decline_reopens_a_filled_call) {
    ASSERT_TRUE(create(creation("dc_1", 2)).ok());
    EXPECT_EQ(answer("dc_1", "u1", v1::DutyRespond::ACCEPT)->tally.state(), v1::DutyCall::OPEN);
    auto filled = answer("dc_1", "u2", v1::DutyRespond::ACCEPT);
    ASSERT_TRUE(filled.ok());
    EXPECT_EQ(filled->tally.state(), v1::DutyCall::FILLED);
    EXPECT_EQ(filled->previous, v1::DutyCall::OPEN);
    EXPECT_EQ(users(filled->tally.accepted_users()), (std::vector<std::string>{"u1", "u2"}));
    EXPECT_EQ(filled->tally.pending(), 2U);

    auto refused = answer("dc_1", "u3", v1::DutyRespond::ACCEPT);
    EXPECT_EQ(refused.status().code(), errc::conflict);
    EXPECT_NE(refused.status().message().find("full"), std::string::npos);
    // A decline is still recorded while FILLED.
    EXPECT_EQ(answer("dc_1", "u3", v1::DutyRespond::DECLINE)->tally.declined(), 1U);

    auto reopened = answer("dc_1", "u1", v1::DutyRespond::DECLINE);
    ASSERT_TRUE(reopened.ok());
    EXPECT_EQ(reopened->tally.state(), v1::DutyCall::OPEN);
    EXPECT_EQ(reopened->tally.accepted(), 1U);
    EXPECT_EQ(reopened->tally.declined(), 2U);
    auto taken = answer("dc_1", "u4", v1::DutyRespond::ACCEPT);
    EXPECT_EQ(taken->tally.state(), v1::DutyCall::FILLED);
    EXPECT_EQ(users(taken->tally.accepted_users()), (std::vector<std::string>{"u2", "u4"}));
}

TEST_F(SqliteDutyStoreTest, the_same_answer_again_changes_nothing_and_returns_the_first_seq) {
    ASSERT_TRUE(create(creation("dc_1", 2)).ok());
    auto first = answer("dc_1", "u1", v1::DutyRespond::ACCEPT, "on my way");
    ASSERT_TRUE(first.ok());
    EXPECT_TRUE(first->changed);
    auto repeat = answer("dc_1", "u1", v1::DutyRespond::ACCEPT, "on my way");
    ASSERT_TRUE(repeat.ok());
    EXPECT_FALSE(repeat->changed);
    EXPECT_EQ(repeat->seq, first->seq);
    EXPECT_EQ(recorder_.last_seq("root"), first->seq);  // no event for the repeat
    // A new note is a new answer: recorded, and the slot is kept.
    auto noted = answer("dc_1", "u1", v1::DutyRespond::ACCEPT, "bringing a thermometer");
    EXPECT_TRUE(noted->changed);
    EXPECT_EQ(noted->tally.accepted(), 1U);
    EXPECT_EQ(record("dc_1").responses(0).note(), "bringing a thermometer");
}

// An event names at most protocol::event_max_users users per list, whatever the slots; the counts
// are complete and the record keeps the whole lists.
TEST_F(SqliteDutyStoreTest, events_name_a_bounded_number_of_users) {
    constexpr int volunteers = protocol::event_max_users + 50;
    ASSERT_TRUE(create(creation("dc_big", volunteers - 10, /*waitlist=*/true, {"a"})).ok());
    for (int i = 0; i < volunteers; ++i)
        ASSERT_TRUE(answer("dc_big", "v" + std::to_string(1000 + i), v1::DutyRespond::ACCEPT).ok());
    const auto deliveries = recorder_.of("a");
    ASSERT_FALSE(deliveries.empty());
    v1::Event last;
    ASSERT_TRUE(last.ParseFromString(*deliveries.back().event));
    ASSERT_TRUE(last.has_duty_update());
    const auto& update = last.duty_update();
    EXPECT_EQ(update.accepted(), static_cast<std::uint32_t>(volunteers - 10));
    EXPECT_EQ(update.accepted_users_size(), protocol::event_max_users);
    EXPECT_EQ(update.accepted_users(0), "v1000");
    EXPECT_EQ(update.waitlisted(), 10U);
    EXPECT_EQ(update.waitlisted_users_size(), 10);
    const auto full = record("dc_big");
    EXPECT_EQ(full.tally().accepted_users_size(), volunteers - 10);
}

TEST_F(SqliteDutyStoreTest, waiting_list_moves_up_when_a_slot_frees) {
    ASSERT_TRUE(create(creation("dc_1", 1, /*waitlist=*/true)).ok());
    ASSERT_TRUE(answer("dc_1", "u1", v1::DutyRespond::ACCEPT).ok());
    auto waiting = answer("dc_1", "u2", v1::DutyRespond::ACCEPT);
    ASSERT_TRUE(waiting.ok());
    EXPECT_TRUE(waiting->waitlisted);
    EXPECT_EQ(users(waiting->tally.waitlisted_users()), std::vector<std::string>{"u2"});
    ASSERT_TRUE(answer("dc_1", "u3", v1::DutyRespond::ACCEPT)->waitlisted);

    auto moved = answer("dc_1", "u1", v1::DutyRespond::DECLINE);
    ASSERT_TRUE(moved.ok());
    EXPECT_EQ(moved->tally.state(), v1::DutyCall::FILLED);
    EXPECT_EQ(users(moved->tally.accepted_users()), std::vector<std::string>{"u2"});
    EXPECT_EQ(users(moved->tally.waitlisted_users()), std::vector<std::string>{"u3"});
}

TEST_F(SqliteDutyStoreTest, closed_calls_refuse_answers_and_a_second_close) {
    ASSERT_TRUE(create(creation("dc_1", 2)).ok());
    DutyClosing closing;
    closing.call_id = "dc_1";
    closing.actor = DutyActor{"coord", "Coordinator"};
    closing.cancel = true;
    closing.reason = "rain";
    closing.now_ms = t0 + 5;
    auto closed = change("dc_1", close_rule(closing));
    ASSERT_TRUE(closed.ok());
    EXPECT_EQ(closed->tally.state(), v1::DutyCall::CANCELLED);
    EXPECT_EQ(closed->tally.reason(), "rain");
    EXPECT_EQ(answer("dc_1", "u1", v1::DutyRespond::ACCEPT).status().code(), errc::conflict);
    auto twice = change("dc_1", close_rule(closing));
    EXPECT_EQ(twice.status().code(), errc::conflict);
    EXPECT_EQ(record("dc_1").tally().reason(), "rain");
}

TEST_F(SqliteDutyStoreTest, expiry_happens_once_at_the_deadline_and_spares_filled_calls) {
    ASSERT_TRUE(create(creation("dc_open", 2)).ok());
    ASSERT_TRUE(create(creation("dc_full", 1)).ok());
    ASSERT_TRUE(answer("dc_full", "u1", v1::DutyRespond::ACCEPT).ok());
    const std::int64_t deadline = t0 + 3'600'000;
    auto expire = [&](const std::string& id, std::int64_t at) {
        return change(id, expire_rule(at));
    };
    EXPECT_FALSE(expire("dc_open", deadline - 1)->changed);
    auto expired = expire("dc_open", deadline);
    ASSERT_TRUE(expired.ok());
    EXPECT_TRUE(expired->changed);
    EXPECT_EQ(expired->tally.state(), v1::DutyCall::EXPIRED);
    EXPECT_FALSE(expire("dc_open", deadline + 1)->changed);
    EXPECT_FALSE(expire("dc_full", deadline)->changed);
    EXPECT_EQ(record("dc_full").call().state(), v1::DutyCall::FILLED);
    // Answers close at the deadline, FILLED or not.
    EXPECT_EQ(answer("dc_full", "u1", v1::DutyRespond::DECLINE, {}, deadline).status().code(),
              errc::conflict);

    clock_.advance(3'600'000);
    auto active = wait_for<std::vector<DutyTimerState>>(
        [&](const Done<std::vector<DutyTimerState>>& d) { duty_->list_active(d); });
    ASSERT_TRUE(active.ok());
    EXPECT_TRUE(active->empty());  // expired, and filled past its deadline
}

TEST_F(SqliteDutyStoreTest, a_reminder_round_is_sent_once_and_names_each_groups_silent_members) {
    ASSERT_TRUE(create(creation("dc_1", 3)).ok());
    ASSERT_TRUE(answer("dc_1", "u1", v1::DutyRespond::ACCEPT).ok());
    ASSERT_TRUE(answer("dc_1", "u2", v1::DutyRespond::DECLINE).ok());
    const auto root_before = recorder_.last_seq("root");

    DutyReminding reminding;
    reminding.call_id = "dc_1";
    reminding.round = 1;
    reminding.now_ms = t0 + 1'800'000;
    reminding.push.intent.title = "Reminder: Gate duty";
    reminding.push.to = {"u1", "u4"};  // u1 answered meanwhile: no push
    auto sent = remind(reminding);
    ASSERT_TRUE(sent.ok()) << sent.status().message();
    EXPECT_TRUE(sent->sent);
    EXPECT_EQ(sent->users, (std::vector<std::string>{"u3", "u4"}));
    EXPECT_EQ(sent->pushed, 1U);
    EXPECT_EQ(sent->reminders_sent, 1U);

    EXPECT_EQ(recorder_.last_seq("root"), root_before);  // nobody silent in root
    const auto in_a = test::parse_event(recorder_.of("a").back().event);
    ASSERT_TRUE(in_a.has_duty_reminder());
    EXPECT_EQ(users(in_a.duty_reminder().users()), std::vector<std::string>{"u3"});
    EXPECT_EQ(in_a.duty_reminder().round(), 1U);
    const auto in_b = test::parse_event(recorder_.of("b").back().event);
    EXPECT_EQ(users(in_b.duty_reminder().users()), std::vector<std::string>{"u4"});

    auto again = remind(reminding);
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(again->sent);  // round 1 is done, whoever asks
    EXPECT_EQ(again->reminders_sent, 1U);
    const auto pushes = intents();
    ASSERT_EQ(pushes.size(), 1U);
    EXPECT_EQ(pushes[0].user, "u4");
}

TEST_F(SqliteDutyStoreTest, lists_by_group_and_state_newest_first_and_survives_a_reopen) {
    ASSERT_TRUE(create(creation("dc_1", 1)).ok());
    auto second = creation("dc_2", 1, false, {"b"});
    second.call.set_created_at_ms(t0 + 10);
    ASSERT_TRUE(create(std::move(second)).ok());
    ASSERT_TRUE(answer("dc_1", "u1", v1::DutyRespond::ACCEPT).ok());

    auto list = [&](std::vector<std::string> groups, v1::DutyCall::State state) {
        DutyListQuery query;
        query.groups = std::move(groups);
        query.state = state;
        auto r = wait_for<std::vector<DutySnapshot>>(
            [&](const Done<std::vector<DutySnapshot>>& d) { duty_->list(query, d); });
        std::vector<std::string> ids;
        if (r.ok())
            for (const auto& rec : *r) ids.push_back(rec.record.call().call_id());
        return ids;
    };
    EXPECT_EQ(list({"b"}, v1::DutyCall::STATE_UNSPECIFIED),
              (std::vector<std::string>{"dc_2", "dc_1"}));
    EXPECT_EQ(list({"a"}, v1::DutyCall::STATE_UNSPECIFIED), std::vector<std::string>{"dc_1"});
    EXPECT_EQ(list({"a", "b"}, v1::DutyCall::OPEN), std::vector<std::string>{"dc_2"});
    EXPECT_EQ(list({}, v1::DutyCall::FILLED), std::vector<std::string>{"dc_1"});
    EXPECT_TRUE(list({"other"}, v1::DutyCall::STATE_UNSPECIFIED).empty());

    close();
    open();  // the feature schema is found in place
    EXPECT_EQ(record("dc_1").tally().accepted(), 1U);
    EXPECT_EQ(answer("dc_2", "u4", v1::DutyRespond::ACCEPT)->tally.state(), v1::DutyCall::FILLED);
}

}  // namespace
}  // namespace muster::store
