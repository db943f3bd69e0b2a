// The Redis bus's list of channels: first subscriber sends SUBSCRIBE, later ones wait for the
// same confirmation, a reconnect resubscribes from the list and announces a reset once
// everything is confirmed again, and nothing waits forever.

#include "bus/redis_subscriptions.hpp"

#include <gtest/gtest.h>

namespace muster::bus {
namespace {

using Outcome = SubscriptionTracker::Outcome;
using clock = SubscriptionTracker::clock;

struct Calls {
    int ok = 0;
    int failed = 0;
    SubscriptionTracker::Waiter waiter() {
        return [this](Result<Unit> r) { r.ok() ? ++ok : ++failed; };
    }
};

void run(std::vector<SubscriptionTracker::Waiter> waiters, Status status = {}) {
    for (auto& w : waiters) {
        if (status.ok()) {
            w(Unit{});
        } else {
            w(status);
        }
    }
}

const auto later = clock::now() + std::chrono::hours(1);

TEST(SubscriptionTracker, first_subscriber_sends_others_wait_for_the_same_confirmation) {
    SubscriptionTracker tracker;
    Calls calls;
    auto first = calls.waiter();
    auto second = calls.waiter();
    EXPECT_EQ(tracker.subscribe("g1", first, later), Outcome::send);
    EXPECT_EQ(tracker.subscribe("g1", second, later), Outcome::pending);
    EXPECT_FALSE(tracker.active("g1"));
    run(tracker.confirmed("g1"));
    EXPECT_EQ(calls.ok, 2);
    EXPECT_TRUE(tracker.active("g1"));
    EXPECT_EQ(tracker.active_count(), 1U);

    auto third = calls.waiter();
    EXPECT_EQ(tracker.subscribe("g1", third, later), Outcome::active);
    EXPECT_TRUE(static_cast<bool>(third)) << "left with the caller, to call now";
}

TEST(SubscriptionTracker,
     resubscribe_after_unsubscribe_is_live_only_after_the_second_confirmation) {
    SubscriptionTracker tracker;
    Calls calls;
    auto first = calls.waiter();
    ASSERT_EQ(tracker.subscribe("g", first, later), Outcome::send);
    std::vector<SubscriptionTracker::Waiter> failed;
    EXPECT_TRUE(tracker.unsubscribe("g", failed));
    run(std::move(failed), Status(errc::unavailable, "x"));
    EXPECT_EQ(calls.failed, 1);

    auto again = calls.waiter();
    ASSERT_EQ(tracker.subscribe("g", again, later), Outcome::send);
    run(tracker.confirmed("g"));  // the first SUBSCRIBE's reply
    EXPECT_EQ(calls.ok, 0);
    EXPECT_FALSE(tracker.active("g"));
    run(tracker.confirmed("g"));  // the second's
    EXPECT_EQ(calls.ok, 1);
    EXPECT_TRUE(tracker.active("g"));
}

TEST(SubscriptionTracker, reconnect_resubscribes_the_list_and_resets_once_all_are_confirmed) {
    SubscriptionTracker tracker;
    tracker.add_permanent("control");
    auto first_connection = tracker.connection_ready(later);
    EXPECT_EQ(first_connection, (std::vector<std::string>{"control"}));
    run(tracker.confirmed("control"));
    EXPECT_FALSE(tracker.take_reset()) << "a first connection has missed nothing";

    Calls calls;
    auto a = calls.waiter();
    auto b = calls.waiter();
    ASSERT_EQ(tracker.subscribe("a", a, later), Outcome::send);
    run(tracker.confirmed("a"));
    ASSERT_EQ(tracker.subscribe("b", b, later), Outcome::send);  // never confirmed

    run(tracker.connection_lost(), Status(errc::unavailable, "lost"));
    EXPECT_EQ(calls.ok, 1);
    EXPECT_EQ(calls.failed, 1) << "the unconfirmed subscription fails";
    EXPECT_TRUE(tracker.wanted("a")) << "the confirmed one is kept for the next connection";
    EXPECT_FALSE(tracker.wanted("b"));
    EXPECT_FALSE(tracker.active("a"));

    EXPECT_EQ(tracker.connection_ready(later), (std::vector<std::string>{"a", "control"}));
    run(tracker.confirmed("a"));
    EXPECT_FALSE(tracker.take_reset()) << "control is not confirmed yet";
    run(tracker.confirmed("control"));
    EXPECT_TRUE(tracker.take_reset());
    EXPECT_FALSE(tracker.take_reset()) << "once";
}

TEST(SubscriptionTracker, unconfirmed_subscriptions_expire_and_report_a_stuck_connection) {
    SubscriptionTracker tracker;
    tracker.add_permanent("control");
    tracker.connection_ready(clock::now() + std::chrono::seconds(1));
    run(tracker.confirmed("control"));
    Calls calls;
    auto w = calls.waiter();
    const auto deadline = clock::now() + std::chrono::seconds(1);
    ASSERT_EQ(tracker.subscribe("g", w, deadline), Outcome::send);

    std::vector<SubscriptionTracker::Waiter> failed;
    EXPECT_FALSE(tracker.expire(deadline - std::chrono::milliseconds(1), failed));
    EXPECT_TRUE(failed.empty());
    EXPECT_TRUE(tracker.expire(deadline + std::chrono::milliseconds(1), failed));
    run(std::move(failed), Status(errc::unavailable, "late"));
    EXPECT_EQ(calls.failed, 1);
    EXPECT_FALSE(tracker.wanted("g"));
    EXPECT_TRUE(tracker.wanted("control")) << "permanent channels stay";
    failed.clear();
    EXPECT_FALSE(tracker.expire(deadline + std::chrono::hours(2), failed))
        << "confirmed channels never expire";
}

TEST(SubscriptionTracker, permanent_channels_are_never_unsubscribed_nor_counted) {
    SubscriptionTracker tracker;
    tracker.add_permanent("health");
    tracker.connection_ready(later);
    run(tracker.confirmed("health"));
    std::vector<SubscriptionTracker::Waiter> failed;
    EXPECT_FALSE(tracker.unsubscribe("health", failed));
    EXPECT_TRUE(tracker.active("health"));
    EXPECT_EQ(tracker.active_count(), 0U);
    EXPECT_FALSE(tracker.unsubscribe("never-wanted", failed));
}

}  // namespace
}  // namespace muster::bus
