// The meeting rules as pure functions: lifecycle, permissions, attendance across drops.

#include "features/meetings/rules.hpp"

#include <gtest/gtest.h>

namespace muster::features::meetings {
namespace {

namespace v1 = muster::v1;
using store::Role;
using Change = v1::MeetingUpdate;
using State = v1::MeetingState;

constexpr std::int64_t t0 = 1'700'000'000'000;
constexpr std::int64_t grace = 60'000;

const Actor host{"host", "Host", Role::coordinator};
const Actor cohost{"co", "Co", Role::member};
const Actor alice{"alice", "Alice", Role::member};
const Actor bob{"bob", "Bob", Role::member};
const Actor stranger{"eve", "Eve", Role::none};

MeetingRecord scheduled_meeting() {
    v1::MeetingSchedule command;
    command.set_group("branch");
    command.set_title("Monthly");
    command.add_agenda("study");
    command.add_agenda("ideas");
    command.add_co_hosts("co");
    command.add_co_hosts("host");  // the host is not their own co-host
    command.add_co_hosts("co");
    return new_meeting(host, "mt_1", command, t0);
}

MeetingRecord live_meeting() {
    MeetingRecord record = scheduled_meeting();
    EXPECT_TRUE(start(record, host, t0).ok());
    return record;
}

std::vector<std::string> list_of(const google::protobuf::RepeatedPtrField<std::string>& items) {
    return {items.begin(), items.end()};
}

errc code_of(const Result<MeetingChange>& r) {
    return r.ok() ? errc::ok : r.status().code();
}

TEST(MeetingRules, new_meeting_is_scheduled_with_deduplicated_co_hosts) {
    const MeetingRecord record = scheduled_meeting();
    const auto& state = record.state();
    EXPECT_EQ(state.phase(), State::SCHEDULED);
    EXPECT_EQ(state.host(), "host");
    ASSERT_EQ(state.co_hosts_size(), 1);
    EXPECT_EQ(state.co_hosts(0), "co");
    EXPECT_EQ(state.agenda_index(), -1);
    EXPECT_EQ(state.scheduled_at_ms(), t0);  // 0 = now
}

TEST(MeetingRules, only_hosts_start_and_end_and_strangers_are_forbidden) {
    MeetingRecord record = scheduled_meeting();
    EXPECT_EQ(code_of(start(record, alice, t0)), errc::forbidden);
    EXPECT_EQ(code_of(start(record, stranger, t0)), errc::forbidden);
    EXPECT_EQ(code_of(join(record, stranger, "s", t0)), errc::forbidden);
    auto started = start(record, cohost, t0);
    ASSERT_TRUE(started.ok());
    EXPECT_EQ(started->change, Change::STARTED);
    EXPECT_EQ(code_of(start(record, host, t0)), errc::conflict);
    EXPECT_EQ(code_of(end(record, bob, {}, t0)), errc::forbidden);
    ASSERT_TRUE(end(record, host, {}, t0 + 1).ok());
    EXPECT_EQ(record.state().phase(), State::ENDED);
    EXPECT_EQ(code_of(end(record, host, {}, t0 + 2)), errc::conflict);
    EXPECT_EQ(code_of(join(record, alice, "s", t0 + 2)), errc::conflict);
    EXPECT_EQ(code_of(raise_hand(record, alice, t0 + 2)), errc::conflict);
}

TEST(MeetingRules, joining_before_the_start_counts_from_the_start) {
    MeetingRecord record = scheduled_meeting();
    auto joined = join(record, alice, "s1", t0 - 5000);
    ASSERT_TRUE(joined.ok());
    EXPECT_EQ(joined->change, Change::JOINED);
    ASSERT_TRUE(start(record, host, t0).ok());
    EXPECT_EQ(record.state().participants(0).joined_ms(), t0);
    auto left = leave(record, alice, t0 + 1000);
    ASSERT_TRUE(left.ok());
    ASSERT_EQ(left->closed.size(), 1U);
    EXPECT_EQ(left->closed[0].joined_ms, t0);
    EXPECT_EQ(left->closed[0].left_ms, t0 + 1000);
}

TEST(MeetingRules, joining_twice_changes_nothing_public) {
    MeetingRecord record = live_meeting();
    ASSERT_TRUE(join(record, alice, "s1", t0).ok());
    auto again = join(record, alice, "s2", t0 + 10);
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(again->updates());
    EXPECT_TRUE(again->record_changed);  // the second connection is recorded
    EXPECT_EQ(record.state().participants_size(), 1);
    EXPECT_EQ(record.links(0).connections_size(), 2);
}

TEST(MeetingRules, a_lost_connection_is_dropped_at_the_loss_after_the_grace) {
    MeetingRecord record = live_meeting();
    ASSERT_TRUE(join(record, alice, "s1", t0).ok());
    auto lost = connection_lost(record, "alice", "s1", grace, t0 + 10'000);
    EXPECT_EQ(lost.change, Change::AWAY);
    EXPECT_EQ(record.state().participants(0).away_since_ms(), t0 + 10'000);
    EXPECT_EQ(record.links(0).drop_at_ms(), t0 + 10'000 + grace);
    EXPECT_FALSE(drop_if_due(record, "alice", t0 + 10'000 + grace - 1).updates());
    auto dropped = drop_if_due(record, "alice", t0 + 10'000 + grace);
    EXPECT_EQ(dropped.change, Change::DROPPED);
    ASSERT_EQ(dropped.closed.size(), 1U);
    EXPECT_EQ(dropped.closed[0].left_ms, t0 + 10'000);
    EXPECT_EQ(record.state().participants_size(), 0);
}

TEST(MeetingRules, rejoining_within_the_grace_continues_the_interval) {
    MeetingRecord record = live_meeting();
    ASSERT_TRUE(join(record, alice, "s1", t0).ok());
    connection_lost(record, "alice", "s1", grace, t0 + 10'000);
    auto back = join(record, alice, "s2", t0 + 20'000);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->change, Change::BACK);
    EXPECT_EQ(record.state().participants(0).joined_ms(), t0);
    EXPECT_EQ(record.state().participants(0).away_since_ms(), 0);
    EXPECT_FALSE(drop_if_due(record, "alice", t0 + 10'000 + grace).updates());  // stale timer
}

TEST(MeetingRules, rejoining_after_the_grace_opens_a_new_interval_even_before_the_timer) {
    MeetingRecord record = live_meeting();
    ASSERT_TRUE(join(record, alice, "s1", t0).ok());
    ASSERT_TRUE(raise_hand(record, alice, t0).ok());
    connection_lost(record, "alice", "s1", grace, t0 + 10'000);
    auto back = join(record, alice, "s2", t0 + 100'000);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->change, Change::JOINED);
    ASSERT_EQ(back->closed.size(), 1U);
    EXPECT_EQ(back->closed[0].left_ms, t0 + 10'000);
    EXPECT_EQ(record.state().participants(0).joined_ms(), t0 + 100'000);
    EXPECT_EQ(record.state().hands_size(), 0);  // the old presence took its hand with it
}

TEST(MeetingRules, another_open_connection_keeps_the_user_present) {
    MeetingRecord record = live_meeting();
    ASSERT_TRUE(join(record, alice, "phone", t0).ok());
    ASSERT_TRUE(join(record, alice, "laptop", t0).ok());
    EXPECT_FALSE(connection_lost(record, "alice", "phone", grace, t0 + 1000).updates());
    EXPECT_EQ(record.links(0).lost_ms(), 0);
    EXPECT_FALSE(drop_if_due(record, "alice", t0 + 10 * grace).updates());
}

TEST(MeetingRules, zero_grace_drops_at_once) {
    MeetingRecord record = live_meeting();
    ASSERT_TRUE(join(record, alice, "s1", t0).ok());
    auto lost = connection_lost(record, "alice", "s1", 0, t0 + 500);
    EXPECT_EQ(lost.change, Change::DROPPED);
    ASSERT_EQ(lost.closed.size(), 1U);
    EXPECT_EQ(lost.closed[0].left_ms, t0 + 500);
}

TEST(MeetingRules, recovery_puts_everyone_connected_on_grace) {
    MeetingRecord record = live_meeting();
    ASSERT_TRUE(join(record, alice, "s1", t0).ok());
    ASSERT_TRUE(join(record, bob, "s2", t0).ok());
    connection_lost(record, "bob", "s2", grace, t0 + 1000);
    auto recovered = recover(record, grace, t0 + 5000);
    EXPECT_TRUE(recovered.record_changed);
    EXPECT_EQ(recovered.change, Change::AWAY);
    EXPECT_TRUE(recovered.user.empty());
    for (const auto& link : record.links()) {
        EXPECT_TRUE(link.connections().empty());
        // Bob keeps the time he was really lost at; Alice starts her grace now.
        EXPECT_EQ(link.lost_ms(), link.user() == "bob" ? t0 + 1000 : t0 + 5000);
    }
}

TEST(MeetingRules, a_connection_is_gone_with_its_process_or_an_earlier_run_of_its_node) {
    const std::vector<std::string> live{"n0-aaaaaa", "n1-bbbbbb", "n2-dddddd"};
    EXPECT_FALSE(connection_gone("n0-aaaaaa/s_1", "n0-aaaaaa", live));  // mine
    EXPECT_FALSE(connection_gone("n1-bbbbbb/s_2", "n0-aaaaaa", live));  // another live node's
    EXPECT_TRUE(connection_gone("n3-cccccc/s_3", "n0-aaaaaa", live));   // a dead node's
    EXPECT_TRUE(connection_gone("s_4", "n0-aaaaaa", live));             // recorded untagged
    // n2 restarted as n2-eeeeee: its earlier run is dead, whatever its heartbeat still says.
    EXPECT_TRUE(connection_gone("n2-dddddd/s_5", "n2-eeeeee", live));
}

TEST(MeetingRules, recovering_a_dead_node_leaves_the_live_nodes_participants_alone) {
    MeetingRecord record = live_meeting();
    ASSERT_TRUE(join(record, alice, "dead-1/s1", t0).ok());
    ASSERT_TRUE(join(record, bob, "live-1/s2", t0).ok());
    ASSERT_TRUE(join(record, bob, "dead-1/s3", t0).ok());  // bob also on the dead node
    const auto gone = [](const std::string& c) { return c.starts_with("dead-1/"); };
    auto recovered = recover_gone(record, gone, false, grace, t0 + 5000);
    EXPECT_TRUE(recovered.record_changed);
    EXPECT_EQ(recovered.change, Change::AWAY);
    for (const auto& link : record.links()) {
        if (link.user() == "alice") {
            EXPECT_TRUE(link.connections().empty());
            EXPECT_EQ(link.lost_ms(), t0 + 5000);
        } else {
            EXPECT_EQ(list_of(link.connections()), std::vector<std::string>{"live-1/s2"});
            EXPECT_EQ(link.lost_ms(), 0);  // still connected through the live node
        }
    }
    // Again: nothing left to recover, nobody without connections put away (no orphans).
    EXPECT_FALSE(recover_gone(record, gone, false, grace, t0 + 6000).record_changed);
}

TEST(MeetingRules, ending_closes_every_interval_and_a_lost_one_at_its_loss) {
    MeetingRecord record = live_meeting();
    ASSERT_TRUE(join(record, alice, "s1", t0).ok());
    ASSERT_TRUE(join(record, bob, "s2", t0 + 1000).ok());
    connection_lost(record, "bob", "s2", grace, t0 + 2000);
    auto ended = end(record, host, {}, t0 + 10'000);
    ASSERT_TRUE(ended.ok());
    ASSERT_EQ(ended->closed.size(), 2U);
    EXPECT_EQ(ended->closed[0].user, "alice");
    EXPECT_EQ(ended->closed[0].left_ms, t0 + 10'000);
    EXPECT_EQ(ended->closed[1].user, "bob");
    EXPECT_EQ(ended->closed[1].left_ms, t0 + 2000);
    EXPECT_EQ(record.state().participants_size(), 0);
    EXPECT_EQ(record.links_size(), 0);
}

TEST(MeetingRules, hands_are_a_fifo_and_the_floor_takes_a_hand_out) {
    MeetingRecord record = live_meeting();
    for (const auto* a : {&alice, &bob}) ASSERT_TRUE(join(record, *a, "s", t0).ok());
    EXPECT_EQ(code_of(raise_hand(record, cohost, t0)), errc::conflict);  // not joined
    ASSERT_TRUE(raise_hand(record, bob, t0).ok());
    ASSERT_TRUE(raise_hand(record, alice, t0).ok());
    EXPECT_FALSE(raise_hand(record, bob, t0)->updates());
    ASSERT_EQ(record.state().hands_size(), 2);
    EXPECT_EQ(record.state().hands(0), "bob");
    EXPECT_EQ(code_of(grant_floor(record, alice, "bob", t0)), errc::forbidden);
    EXPECT_EQ(code_of(grant_floor(record, host, "eve", t0)), errc::conflict);
    auto granted = grant_floor(record, host, "bob", t0);
    ASSERT_TRUE(granted.ok());
    EXPECT_EQ(granted->change, Change::FLOOR_GRANTED);
    EXPECT_EQ(record.state().floor(), "bob");
    ASSERT_EQ(record.state().hands_size(), 1);
    EXPECT_EQ(record.state().hands(0), "alice");
    // Lowering another's hand is for hosts; one's own is for anyone.
    EXPECT_EQ(code_of(lower_hand(record, bob, "alice", t0)), errc::forbidden);
    EXPECT_EQ(lower_hand(record, alice, "", t0)->change, Change::HAND_LOWERED);
    EXPECT_FALSE(lower_hand(record, alice, "", t0)->updates());
    // The one with the floor leaves: the floor is free.
    ASSERT_TRUE(leave(record, bob, t0).ok());
    EXPECT_TRUE(record.state().floor().empty());
}

TEST(MeetingRules, roll_call_window_present_and_absent) {
    MeetingRecord record = live_meeting();
    for (const auto* a : {&alice, &bob}) ASSERT_TRUE(join(record, *a, "s", t0).ok());
    EXPECT_EQ(code_of(answer_roll(record, alice, t0)), errc::conflict);  // none open
    EXPECT_EQ(code_of(open_roll_call(record, alice, 30'000, t0)), errc::forbidden);
    ASSERT_TRUE(open_roll_call(record, host, 30'000, t0).ok());
    EXPECT_EQ(code_of(open_roll_call(record, host, 30'000, t0)), errc::conflict);
    EXPECT_EQ(answer_roll(record, alice, t0 + 1000)->change, Change::ROLL_ANSWERED);
    EXPECT_FALSE(answer_roll(record, alice, t0 + 2000)->updates());
    EXPECT_EQ(code_of(answer_roll(record, bob, t0 + 30'000)), errc::conflict);  // window over
    EXPECT_FALSE(close_roll_call_if_due(record, {}, t0 + 29'999).updates());
    auto closed = close_roll_call_if_due(record, {"alice", "bob", "carol"}, t0 + 30'000);
    EXPECT_EQ(closed.change, Change::ROLL_CALL_CLOSED);
    const auto& roll = record.state().roll_call();
    EXPECT_FALSE(roll.open());
    ASSERT_EQ(roll.present_size(), 1);
    EXPECT_EQ(roll.present(0), "alice");
    ASSERT_EQ(roll.absent_size(), 2);
    EXPECT_EQ(roll.absent(0), "bob");
    EXPECT_EQ(roll.absent(1), "carol");
    ASSERT_EQ(record.roll_answered_size(), 1);
}

TEST(MeetingRules, agenda_and_sharing) {
    MeetingRecord record = scheduled_meeting();
    EXPECT_EQ(code_of(set_agenda_item(record, host, 0, t0)), errc::conflict);  // not live
    ASSERT_TRUE(share(record, host, "", "https://example.org/doc", 2, t0).ok());
    ASSERT_TRUE(start(record, host, t0).ok());
    EXPECT_EQ(code_of(set_agenda_item(record, host, 2, t0)), errc::invalid_argument);
    EXPECT_EQ(code_of(set_agenda_item(record, host, -1, t0)), errc::invalid_argument);
    EXPECT_EQ(code_of(set_agenda_item(record, alice, 1, t0)), errc::forbidden);
    EXPECT_EQ(set_agenda_item(record, host, 1, t0)->change, Change::AGENDA_ITEM);
    EXPECT_FALSE(set_agenda_item(record, host, 1, t0)->updates());
    EXPECT_EQ(record.state().shared(0).title(), "https://example.org/doc");
    ASSERT_TRUE(share(record, cohost, "video", "https://example.org/v", 2, t0).ok());
    EXPECT_EQ(code_of(share(record, host, "x", "https://example.org/x", 2, t0)), errc::too_large);
}

}  // namespace
}  // namespace muster::features::meetings
