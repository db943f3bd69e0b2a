// The Redis stores of the features in-process, against a real redis-server: duty rules applied
// by two "nodes" at once through the generic version-checked swap (exact slots, tallies in the
// order of the decisions, one reminder round), the meeting store's compare-and-swap under
// concurrent changes from two "nodes",
// the push outbox's bound and per-user pages, and the devices' rules and kinds index. The features'
// semantics are pinned by the duty and meeting suites, which run on both backends.

#include <future>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "features/duty/rules.hpp"
#include "redis/endpoint.hpp"
#include "store/redis/redis_device_store.hpp"
#include "store/redis/redis_duty_store.hpp"
#include "store/redis/redis_meeting_store.hpp"
#include "store/redis/redis_push_outbox.hpp"
#include "store/redis/redis_store.hpp"
#include "support/device_kinds_contract.hpp"
#include "support/redis_cluster.hpp"
#include "support/redis_process.hpp"
#include "support/resp_client.hpp"

namespace muster::store {
namespace {

namespace v1 = muster::v1;
using features::meetings::AttendanceSnapshot;
using features::meetings::MeetingApplied;
using features::meetings::MeetingChange;
using test::RedisProcess;

constexpr std::int64_t t0 = 1'700'000'000'000;

template <class T, class Start>
Result<T> wait_for(Start&& start) {
    auto promise = std::make_shared<std::promise<Result<T>>>();
    auto future = promise->get_future();
    start(Done<T>([promise](Result<T> result) { promise->set_value(std::move(result)); }));
    if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
        ADD_FAILURE() << "no completion within 30 s";
        return Status(errc::internal, "test timeout");
    }
    return future.get();
}

class RedisFeatureStoresTest : public ::testing::Test {
  protected:
    void SetUp() override {
        MUSTER_REQUIRE_REDIS();
        ASSERT_TRUE(redis_.start());
        config_.redis.url = redis_.url();
        config_.store.trim_interval_s = 0;
    }
    void TearDown() override {
        meetings_.clear();
        stores_.clear();
    }

    RedisStore& store(std::size_t i = 0) {
        while (stores_.size() <= i) {
            stores_.push_back(
                std::make_unique<RedisStore>(config_, *redis::parse_endpoint(config_.redis.url),
                                             "node" + std::to_string(stores_.size()), clock_));
        }
        return *stores_[i];
    }
    RedisMeetingStore& meetings(std::size_t i) {
        while (meetings_.size() <= i) {
            auto& s = store(meetings_.size());
            meetings_.push_back(
                std::make_unique<RedisMeetingStore>(s.client(), s.keys(), s.redis_presence(),
                                                    config_.log, clock_, std::chrono::seconds(30)));
        }
        return *meetings_[i];
    }

    void group(const std::string& id, const std::vector<std::string>& members) {
        ASSERT_TRUE(wait_for<Unit>([&](Done<Unit> d) {
                        store().directory().put_group({id, id, ""}, std::move(d));
                    }).ok());
        for (const auto& user : members) {
            ASSERT_TRUE(wait_for<Unit>([&](Done<Unit> d) {
                            store().directory().put_member(id, user, Role::member, "",
                                                           std::move(d));
                        }).ok());
        }
    }
    std::vector<v1::Event> events(const std::string& group) {
        auto range = wait_for<LogRange>(
            [&](Done<LogRange> d) { store().log().read_after(group, 0, 1000, std::move(d)); });
        EXPECT_TRUE(range.ok()) << range.status().message();
        std::vector<v1::Event> out;
        if (!range.ok()) return out;
        for (const auto& bytes : range->events) {
            v1::Event event;
            EXPECT_TRUE(event.ParseFromString(*bytes));
            out.push_back(std::move(event));
        }
        return out;
    }

    RedisProcess redis_;
    Config config_;
    ManualClock clock_{t0};
    std::vector<std::unique_ptr<RedisStore>> stores_;
    std::vector<std::unique_ptr<RedisMeetingStore>> meetings_;
};

TEST_F(RedisFeatureStoresTest, duty_rules_run_on_two_nodes_at_once_decide_once) {
    // Two "nodes" (a store and a connection each) change one call at the same time: every
    // change is the feature's rule in C++ and a version-checked swap, retried on a conflict.
    constexpr int volunteers = 40;
    constexpr std::uint32_t slots = 5;
    std::vector<std::string> users;
    for (int i = 0; i < volunteers; ++i) users.push_back("v" + std::to_string(i));
    group("a", users);
    std::vector<std::unique_ptr<RedisDutyStore>> nodes;
    for (std::size_t i = 0; i < 2; ++i) {
        nodes.push_back(std::make_unique<RedisDutyStore>(store(i).client(), store(i).keys(),
                                                         config_.log, PushOutboxLimits{}));
    }
    features::duty::DutyCreation creation;
    auto& call = creation.call;
    call.set_call_id("dc_1");
    call.set_group("a");
    call.set_title("门岗 gate duty");
    call.set_slots(slots);
    call.set_deadline_ms(t0 + 3'600'000);
    call.set_created_by("coord");
    call.set_created_at_ms(t0);
    call.add_target_groups("a");
    creation.actor = {"coord", "Coordinator"};
    auto created = wait_for<features::duty::DutyApplied>([&](Done<features::duty::DutyApplied> d) {
        nodes[0]->create("dc_1", {"a"}, features::duty::create_rule(creation), std::move(d));
    });
    ASSERT_TRUE(created.ok()) << created.status().message();
    EXPECT_EQ(features::duty::created_of(*created).seq, 1U);
    // The same create again through the other node: a retry, nothing written.
    auto again = wait_for<features::duty::DutyApplied>([&](Done<features::duty::DutyApplied> d) {
        nodes[1]->create("dc_1", {"a"}, features::duty::create_rule(creation), std::move(d));
    });
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_TRUE(features::duty::created_of(*again).duplicate);
    EXPECT_EQ(features::duty::created_of(*again).seq, 1U);

    // Every volunteer accepts at once, half through each node.
    std::vector<std::promise<Result<features::duty::DutyApplied>>> replies(volunteers);
    for (int i = 0; i < volunteers; ++i) {
        features::duty::DutyAnswer answer;
        answer.call_id = "dc_1";
        answer.actor = {users[i], "志愿者 " + users[i]};
        answer.answer = v1::DutyRespond::ACCEPT;
        answer.now_ms = t0 + 1000;
        nodes[i % 2]->apply("dc_1", features::duty::respond_rule(std::move(answer)),
                            [&replies, i](Result<features::duty::DutyApplied> r) {
                                replies[i].set_value(std::move(r));
                            });
    }
    std::map<std::uint64_t, std::string> taken;  // seq -> volunteer
    int refused = 0;
    for (int i = 0; i < volunteers; ++i) {
        auto future = replies[i].get_future();
        ASSERT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
        auto applied = future.get();
        if (applied.ok()) {
            const auto change = features::duty::change_of(std::move(*applied));
            taken[change.seq] = users[i];
        } else {
            EXPECT_EQ(applied.status().code(), errc::conflict) << applied.status().message();
            ++refused;
        }
    }
    EXPECT_EQ(taken.size(), slots);
    EXPECT_EQ(refused, volunteers - static_cast<int>(slots));

    // The log holds the five updates in the order of the decisions: 1, 2, ... 5 accepted, each
    // by the volunteer whose reply named that seq, the last FILLED.
    auto logged = events("a");
    ASSERT_EQ(logged.size(), 1 + slots);
    for (std::uint32_t k = 1; k <= slots; ++k) {
        const auto& update = logged[k];
        ASSERT_TRUE(update.has_duty_update());
        EXPECT_EQ(update.duty_update().accepted(), k);
        EXPECT_EQ(update.duty_update().pending(), volunteers - k);
        EXPECT_EQ(update.duty_update().user(), taken[update.seq()]);
        EXPECT_EQ(update.sender_name(), "志愿者 " + taken[update.seq()]);
    }
    EXPECT_EQ(logged.back().duty_update().state(), v1::DutyCall::FILLED);

    // The same answer again: nothing new, the seq that recorded it first (kept beside the
    // record by the swap).
    const auto first = taken.begin();
    features::duty::DutyAnswer repeat;
    repeat.call_id = "dc_1";
    repeat.actor = {first->second, "志愿者 " + first->second};
    repeat.answer = v1::DutyRespond::ACCEPT;
    repeat.now_ms = t0 + 2000;
    auto repeated = wait_for<features::duty::DutyApplied>([&](Done<features::duty::DutyApplied> d) {
        nodes[1]->apply("dc_1", features::duty::respond_rule(repeat), std::move(d));
    });
    ASSERT_TRUE(repeated.ok()) << repeated.status().message();
    const auto unchanged = features::duty::change_of(std::move(*repeated));
    EXPECT_FALSE(unchanged.changed);
    EXPECT_EQ(unchanged.seq, first->first);

    // A declined slot reopens the call; then both nodes send reminder round 1 at once: one
    // round, one event, whoever wins; the other learns it was sent.
    repeat.answer = v1::DutyRespond::DECLINE;
    ASSERT_TRUE(wait_for<features::duty::DutyApplied>([&](Done<features::duty::DutyApplied> d) {
                    nodes[0]->apply("dc_1", features::duty::respond_rule(repeat), std::move(d));
                }).ok());
    std::promise<Result<features::duty::DutyApplied>> reminders[2];
    for (int i = 0; i < 2; ++i) {
        features::duty::DutyReminding reminding;
        reminding.call_id = "dc_1";
        reminding.round = 1;
        reminding.now_ms = t0 + 3000 + i;
        reminding.push.to = users;  // the rule keeps those still silent
        nodes[i]->apply("dc_1", features::duty::remind_rule(std::move(reminding)),
                        [&reminders, i](Result<features::duty::DutyApplied> r) {
                            reminders[i].set_value(std::move(r));
                        });
    }
    int sent = 0;
    for (auto& promise : reminders) {
        auto applied = promise.get_future().get();
        ASSERT_TRUE(applied.ok()) << applied.status().message();
        const auto reminded = features::duty::reminded_of(*applied);
        sent += reminded.sent ? 1 : 0;
        EXPECT_EQ(reminded.reminders_sent, 1U);
        if (reminded.sent) {
            // Four hold a slot and one declined: the rest are silent, reminded and pushed.
            EXPECT_EQ(reminded.users.size(), static_cast<std::size_t>(volunteers - slots));
            EXPECT_EQ(reminded.pushed, reminded.users.size());
        }
    }
    EXPECT_EQ(sent, 1);
    logged = events("a");
    int reminder_events = 0;
    for (const auto& event : logged) reminder_events += event.has_duty_reminder() ? 1 : 0;
    EXPECT_EQ(reminder_events, 1);
}

TEST_F(RedisFeatureStoresTest, duty_indexes_of_the_one_redis_layout_are_adopted_per_group) {
    // A call to groups a and b, its indexes then put back as the layout before the cluster had
    // them ({duty}:states, :active, :all): a node that starts (its first list_active) moves them
    // into the groups' indexes and deletes the old keys; the timers and listings find the call.
    group("a", {"v1"});
    group("b", {"v2"});
    features::duty::DutyCreation creation;
    auto& call = creation.call;
    call.set_call_id("dc_old");
    call.set_group("a");
    call.set_title("old call");
    call.set_slots(1);
    call.set_deadline_ms(t0 + 3'600'000);
    call.set_created_by("coord");
    call.set_created_at_ms(t0);
    call.add_target_groups("a");
    call.add_target_groups("b");
    {
        RedisDutyStore before(store().client(), store().keys(), config_.log, PushOutboxLimits{});
        ASSERT_TRUE(wait_for<features::duty::DutyApplied>([&](Done<features::duty::DutyApplied> d) {
                        before.create("dc_old", {"a", "b"}, features::duty::create_rule(creation),
                                      std::move(d));
                    }).ok());
    }
    const auto& keys = store().keys();
    test::RespClient redis(redis_.port());
    for (const auto& key : {keys.duty_states_in("a"), keys.duty_states_in("b"),
                            keys.duty_active_in("a"), keys.duty_groups()}) {
        ASSERT_TRUE(redis.call({"DEL", key}).has_value());
    }
    const std::string open = std::to_string(static_cast<int>(v1::DutyCall::OPEN));
    ASSERT_TRUE(redis.call({"HSET", keys.duty_legacy("states"), "dc_old", open}).has_value());
    ASSERT_TRUE(
        redis.call({"ZADD", keys.duty_legacy("active"), std::to_string(t0 + 3'600'000), "dc_old"})
            .has_value());
    ASSERT_TRUE(
        redis.call({"ZADD", keys.duty_legacy("all"), std::to_string(t0), "dc_old"}).has_value());

    RedisDutyStore after(store().client(), store().keys(), config_.log, PushOutboxLimits{});
    auto active = wait_for<std::vector<features::duty::DutyTimerState>>(
        [&](Done<std::vector<features::duty::DutyTimerState>> d) {
            after.list_active(std::move(d));
        });
    ASSERT_TRUE(active.ok()) << active.status().message();
    ASSERT_EQ(active->size(), 1U);
    EXPECT_EQ(active->front().call_id, "dc_old");
    EXPECT_EQ(active->front().deadline_ms, t0 + 3'600'000);
    for (const char* old : {"states", "active", "all"}) {
        const auto exists = redis.call({"EXISTS", keys.duty_legacy(old)});
        ASSERT_TRUE(exists.has_value());
        EXPECT_EQ(exists->integer, 0) << old;
    }
    for (const char* group : {"a", "b"}) {
        features::duty::DutyListQuery query;
        query.groups = {group};
        query.state = v1::DutyCall::OPEN;
        auto listed = wait_for<std::vector<features::duty::DutySnapshot>>(
            [&](Done<std::vector<features::duty::DutySnapshot>> d) {
                after.list(query, std::move(d));
            });
        ASSERT_TRUE(listed.ok()) << listed.status().message();
        ASSERT_EQ(listed->size(), 1U) << group;
        EXPECT_EQ(listed->front().record.call().call_id(), "dc_old");
    }
    features::duty::DutyListQuery every;
    auto all = wait_for<std::vector<features::duty::DutySnapshot>>(
        [&](Done<std::vector<features::duty::DutySnapshot>> d) {
            after.list(every, std::move(d));
        });
    ASSERT_TRUE(all.ok()) << all.status().message();
    EXPECT_EQ(all->size(), 1U);
}

TEST_F(RedisFeatureStoresTest, meeting_changes_from_two_nodes_at_once_all_land_in_order) {
    group("m", {});
    v1::MeetingRecord record;
    record.mutable_state()->set_meeting_id("mt_1");
    record.mutable_state()->set_group("m");
    record.mutable_state()->set_phase(v1::MeetingState::LIVE);
    MeetingChange first;
    first.change = v1::MeetingUpdate::SCHEDULED;
    ASSERT_TRUE(wait_for<MeetingApplied>([&](Done<MeetingApplied> d) {
                    meetings(0).create(record, first, std::move(d));
                }).ok());
    meetings(1);

    // 2 x 40 joins at once, from two stores (two nodes): each rule reads the record, adds its
    // participant and is run again whenever the other node's change came first.
    constexpr int per_node = 40;
    std::vector<std::shared_ptr<std::promise<Result<MeetingApplied>>>> promises;
    for (int i = 0; i < 2 * per_node; ++i) {
        auto promise = std::make_shared<std::promise<Result<MeetingApplied>>>();
        promises.push_back(promise);
        const std::string user = "user" + std::to_string(i);
        meetings(i % 2).apply(
            "mt_1",
            [user](v1::MeetingRecord& r, std::int64_t now) -> Result<MeetingChange> {
                auto* p = r.mutable_state()->add_participants();
                p->set_user(user);
                p->set_joined_ms(now);
                MeetingChange change;
                change.change = v1::MeetingUpdate::JOINED;
                change.user = user;
                return change;
            },
            [promise](Result<MeetingApplied> r) { promise->set_value(std::move(r)); });
    }
    for (auto& promise : promises) {
        auto r = promise->get_future().get();
        ASSERT_TRUE(r.ok()) << r.status().message();
    }
    auto final_record = wait_for<v1::MeetingRecord>(
        [&](Done<v1::MeetingRecord> d) { meetings(1).get("mt_1", std::move(d)); });
    ASSERT_TRUE(final_record.ok());
    EXPECT_EQ(final_record->state().participants_size(), 2 * per_node);

    // Every change is on the log once, with the state it made: participant counts 1, 2, ...
    const auto log = events("m");
    ASSERT_EQ(log.size(), 1U + 2 * per_node);
    for (int i = 1; i <= 2 * per_node; ++i) {
        EXPECT_EQ(log[i].seq(), static_cast<std::uint64_t>(i + 1));
        EXPECT_EQ(log[i].meeting().participant_count(), static_cast<std::uint32_t>(i));
    }
}

TEST_F(RedisFeatureStoresTest, meeting_ids_are_claimed_once_and_a_failed_create_lets_go) {
    group("m", {});
    group("n", {});
    auto create = [&](std::size_t node, const std::string& group_id, const std::string& host) {
        v1::MeetingRecord record;
        record.mutable_state()->set_meeting_id("mt_x");
        record.mutable_state()->set_group(group_id);
        record.mutable_state()->set_host(host);
        record.mutable_state()->set_title(host + " in " + group_id);
        record.mutable_state()->set_phase(v1::MeetingState::SCHEDULED);
        MeetingChange first;
        first.change = v1::MeetingUpdate::SCHEDULED;
        first.sender = host;
        return wait_for<MeetingApplied>(
            [&](Done<MeetingApplied> d) { meetings(node).create(record, first, std::move(d)); });
    };

    // No such group: NOT_FOUND, and the id's claim goes with it (else "n" could not have it).
    auto lost = create(0, "nope", "ann");
    ASSERT_FALSE(lost.ok());
    EXPECT_EQ(lost.status().code(), errc::not_found);
    auto made = create(0, "n", "ann");
    ASSERT_TRUE(made.ok()) << made.status().message();
    EXPECT_FALSE(made->duplicate);
    EXPECT_GT(made->seq, 0U);

    // A retry by the same host in the same group, from another node, gets the stored meeting
    // and its SCHEDULED event's seq; anyone else gets CONFLICT and changes nothing.
    auto retry = create(1, "n", "ann");
    ASSERT_TRUE(retry.ok()) << retry.status().message();
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->seq, made->seq);
    EXPECT_EQ(retry->record.state().title(), "ann in n");
    auto other_host = create(1, "n", "bob");
    ASSERT_FALSE(other_host.ok());
    EXPECT_EQ(other_host.status().code(), errc::conflict);
    auto other_group = create(1, "m", "ann");
    ASSERT_FALSE(other_group.ok());
    EXPECT_EQ(other_group.status().code(), errc::conflict);
    EXPECT_EQ(events("n").size(), 1U);
    EXPECT_TRUE(events("m").empty());

    // Closed intervals are kept beside the record and read back with it, in order; the meeting
    // is unfinished until a change ends it.
    auto unfinished = [&] {
        auto got = wait_for<std::vector<v1::MeetingRecord>>(
            [&](Done<std::vector<v1::MeetingRecord>> d) { meetings(1).unfinished(std::move(d)); });
        EXPECT_TRUE(got.ok()) << got.status().message();
        return got.ok() ? got->size() : 99U;
    };
    EXPECT_EQ(unfinished(), 1U);
    auto ended = wait_for<MeetingApplied>([&](Done<MeetingApplied> d) {
        meetings(1).apply(
            "mt_x",
            [](v1::MeetingRecord& r, std::int64_t now) -> Result<MeetingChange> {
                r.mutable_state()->set_phase(v1::MeetingState::ENDED);
                MeetingChange change;
                change.change = v1::MeetingUpdate::ENDED;
                change.closed.push_back({"ann", "Ann", now - 20, now - 10});
                change.closed.push_back({"bob", "Bob", now - 15, now});
                return change;
            },
            std::move(d));
    });
    ASSERT_TRUE(ended.ok()) << ended.status().message();
    EXPECT_EQ(ended->seq, made->seq + 1);
    auto snapshot = wait_for<AttendanceSnapshot>(
        [&](Done<AttendanceSnapshot> d) { meetings(0).attendance("mt_x", std::move(d)); });
    ASSERT_TRUE(snapshot.ok()) << snapshot.status().message();
    EXPECT_EQ(snapshot->record.state().phase(), v1::MeetingState::ENDED);
    ASSERT_EQ(snapshot->intervals.size(), 2U);
    EXPECT_EQ(snapshot->intervals[0].user, "ann");
    EXPECT_EQ(snapshot->intervals[0].joined_ms, t0 - 20);
    EXPECT_EQ(snapshot->intervals[1].user, "bob");
    EXPECT_EQ(snapshot->intervals[1].left_ms, t0);
    EXPECT_EQ(unfinished(), 0U);

    auto missing = wait_for<v1::MeetingRecord>(
        [&](Done<v1::MeetingRecord> d) { meetings(0).get("mt_none", std::move(d)); });
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.status().code(), errc::not_found);
}

TEST_F(RedisFeatureStoresTest, the_outbox_keeps_its_bound_and_pages_per_user) {
    PushOutboxLimits limits;
    limits.max_intents = 3;
    RedisPushOutbox outbox(store().client(), store().keys(), clock_, limits);
    std::vector<push::PushIntent> intents;
    for (const auto* user : {"ann", "bob", "ann", "bob", "ann"}) {
        push::PushIntent intent;
        intent.user = user;
        intent.title = "标题";
        intents.push_back(intent);
    }
    ASSERT_TRUE(wait_for<Unit>([&](Done<Unit> d) { outbox.enqueue(intents, std::move(d)); }).ok());
    auto all = wait_for<std::vector<push::PushIntent>>(
        [&](Done<std::vector<push::PushIntent>> d) { outbox.list({}, std::move(d)); });
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 3U);  // the two oldest went
    EXPECT_EQ((*all)[0].id, 3U);
    EXPECT_EQ((*all)[0].data_json, "{}");
    EXPECT_EQ((*all)[0].created_ms, t0);

    push::PushQuery anns;
    anns.user = "ann";
    anns.after_id = 3;
    auto page = wait_for<std::vector<push::PushIntent>>(
        [&](Done<std::vector<push::PushIntent>> d) { outbox.list(anns, std::move(d)); });
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->size(), 1U);
    EXPECT_EQ((*page)[0].id, 5U);
    EXPECT_EQ((*page)[0].title, "标题");

    auto removed = wait_for<std::uint64_t>([&](Done<std::uint64_t> d) {
        outbox.remove({3, 5, 99}, std::move(d));
    });
    ASSERT_TRUE(removed.ok());
    EXPECT_EQ(*removed, 2U);
    clock_.advance(8LL * 86'400'000);  // older than a week: swept
    auto swept =
        wait_for<std::uint64_t>([&](Done<std::uint64_t> d) { outbox.sweep(std::move(d)); });
    ASSERT_TRUE(swept.ok());
    EXPECT_EQ(*swept, 1U);
    outbox.close();
}

TEST_F(RedisFeatureStoresTest, devices_keep_their_first_registration_and_the_cap) {
    RedisDeviceStore devices(store().client(), store().keys());
    auto put = [&](const std::string& id, const std::string& endpoint, std::int64_t at) {
        DevicePut request;
        request.device = {id, "ann", "webhook", endpoint, "", "", at};
        request.max_per_user = 2;
        return wait_for<DevicePutResult>(
            [&](Done<DevicePutResult> d) { devices.put(std::move(request), std::move(d)); });
    };
    EXPECT_TRUE(put("phone", "https://a.example/1", t0)->created);
    auto replaced = put("phone", "https://a.example/2", t0 + 5);
    ASSERT_TRUE(replaced.ok());
    EXPECT_FALSE(replaced->created);
    EXPECT_EQ(replaced->device.created_ms, t0);
    EXPECT_TRUE(put("laptop", "https://a.example/3", t0 + 6)->created);
    EXPECT_EQ(put("tablet", "https://a.example/4", t0 + 7).status().code(), errc::too_large);

    auto listed = wait_for<std::vector<DeviceInfo>>(
        [&](Done<std::vector<DeviceInfo>> d) { devices.devices_of("ann", std::move(d)); });
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed->size(), 2U);
    EXPECT_EQ((*listed)[0].id, "laptop");
    EXPECT_EQ((*listed)[1].endpoint, "https://a.example/2");
    // A page of users, each user's list in its place (by default one devices_of each).
    auto lists = wait_for<DeviceStore::DeviceLists>([&](Done<DeviceStore::DeviceLists> d) {
        devices.devices_of_users({"bob", "ann"}, std::move(d));
    });
    ASSERT_TRUE(lists.ok()) << lists.status().message();
    ASSERT_EQ(lists->size(), 2U);
    ASSERT_TRUE((*lists)[0].ok());
    EXPECT_TRUE((*lists)[0]->empty());
    ASSERT_TRUE((*lists)[1].ok());
    ASSERT_EQ((*lists)[1]->size(), 2U);
    EXPECT_EQ((*lists)[1]->at(0).id, "laptop");
    EXPECT_EQ((*lists)[1]->at(1).id, "phone");
    EXPECT_EQ(wait_for<Unit>([&](Done<Unit> d) { devices.remove("ann", "tablet", std::move(d)); })
                  .status()
                  .code(),
              errc::not_found);
    EXPECT_TRUE(
        wait_for<Unit>([&](Done<Unit> d) { devices.remove("ann", "phone", std::move(d)); }).ok());
}

TEST_F(RedisFeatureStoresTest, the_device_kinds_index_follows_what_devices_list) {
    RedisDeviceStore devices(store().client(), store().keys());
    test::expect_users_listing_kind_contract(devices);
}

// The index lives in a slot of its own, apart from each user's devices: on a cluster its writes
// go to another master than the device's script.
TEST(RedisClusterDeviceKinds, the_device_kinds_index_follows_what_devices_list_on_a_cluster) {
    MUSTER_REQUIRE_REDIS_CLUSTER();
    test::RedisCluster cluster;
    const auto started = cluster.start();
    ASSERT_TRUE(started) << started.message();
    Config config;
    config.redis.url = cluster.url();
    config.store.trim_interval_s = 0;
    ManualClock clock{t0};
    RedisStore store(config, *redis::parse_endpoint(config.redis.url), "node0", clock);
    RedisDeviceStore devices(store.client(), store.keys());
    test::expect_users_listing_kind_contract(devices);
}

}  // namespace
}  // namespace muster::store
