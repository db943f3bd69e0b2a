// The life of a Redis connection without a socket: what the Connection is told to do on each
// event, that an old context's late callbacks change nothing, and how the backoff grows.

#include "redis/connection_machine.hpp"

#include <gtest/gtest.h>

namespace muster::redis {
namespace {

using std::chrono::milliseconds;

ConnectionMachine machine(double jitter = 0.5) {
    return ConnectionMachine(Backoff(milliseconds(100), milliseconds(5000)),
                             [jitter] { return jitter; });
}

// Drives a machine from stopped to ready; returns the generation of the ready context.
std::uint64_t make_ready(ConnectionMachine& m) {
    if (m.state() == ConnState::stopped) m.on(ConnEvent::start);
    if (m.state() == ConnState::waiting) m.on(ConnEvent::retry_due);
    const auto generation = m.generation();
    m.on(ConnEvent::connected, generation);
    m.on(ConnEvent::setup_done, generation);
    return generation;
}

TEST(ConnectionMachine, start_opens_a_context_then_setup_then_ready_flushes_the_queue) {
    auto m = machine();
    EXPECT_EQ(m.state(), ConnState::stopped);
    EXPECT_FALSE(m.sends_commands());
    EXPECT_FALSE(m.queues_commands());

    auto actions = m.on(ConnEvent::start);
    EXPECT_TRUE(actions.open);
    EXPECT_FALSE(actions.close);
    EXPECT_EQ(m.state(), ConnState::connecting);
    EXPECT_EQ(m.generation(), 1U);
    EXPECT_TRUE(m.queues_commands());

    actions = m.on(ConnEvent::connected, 1);
    EXPECT_TRUE(actions.send_setup);
    EXPECT_FALSE(actions.notify_ready);
    EXPECT_EQ(m.state(), ConnState::setting_up);
    EXPECT_TRUE(m.queues_commands());

    actions = m.on(ConnEvent::setup_done, 1);
    EXPECT_TRUE(actions.flush_queue);
    EXPECT_TRUE(actions.notify_ready);
    EXPECT_FALSE(actions.notify_down);
    EXPECT_EQ(m.state(), ConnState::ready);
    EXPECT_TRUE(m.sends_commands());
    EXPECT_EQ(m.reconnects(), 0U);
}

TEST(ConnectionMachine, losing_a_ready_connection_fails_everything_and_retries_after_the_minimum) {
    auto m = machine();
    make_ready(m);
    const auto actions = m.on(ConnEvent::failed, 1);
    EXPECT_TRUE(actions.close);
    EXPECT_TRUE(actions.fail_queued);
    EXPECT_TRUE(actions.fail_sent);
    EXPECT_TRUE(actions.notify_down);
    ASSERT_TRUE(actions.retry_in.has_value());
    EXPECT_EQ(*actions.retry_in, milliseconds(100));
    EXPECT_EQ(m.state(), ConnState::waiting);
    // While waiting for the next attempt nothing is queued: callers hear UNAVAILABLE at once.
    EXPECT_FALSE(m.queues_commands());
    EXPECT_FALSE(m.sends_commands());
}

TEST(ConnectionMachine, every_reconnect_uses_a_new_context_and_ignores_the_old_ones_callbacks) {
    auto m = machine();
    const auto first = make_ready(m);
    m.on(ConnEvent::failed, first);
    const auto retry = m.on(ConnEvent::retry_due);
    EXPECT_TRUE(retry.open);
    const auto second = m.generation();
    EXPECT_EQ(second, first + 1);

    // The old context's callbacks arrive late: nothing happens.
    EXPECT_TRUE(m.on(ConnEvent::connected, first).none());
    EXPECT_TRUE(m.on(ConnEvent::setup_done, first).none());
    EXPECT_TRUE(m.on(ConnEvent::failed, first).none());
    EXPECT_EQ(m.state(), ConnState::connecting);

    m.on(ConnEvent::connected, second);
    const auto ready = m.on(ConnEvent::setup_done, second);
    EXPECT_TRUE(ready.notify_ready);
    EXPECT_EQ(m.reconnects(), 1U);
    EXPECT_TRUE(m.on(ConnEvent::failed, first).none());
    EXPECT_EQ(m.state(), ConnState::ready);
}

TEST(ConnectionMachine, failed_attempts_back_off_exponentially_up_to_the_maximum) {
    auto m = machine(1.0);  // jitter at its top: the delays are the bases
    m.on(ConnEvent::start);
    std::vector<long> delays;
    for (int i = 0; i < 9; ++i) {
        const auto actions = m.on(ConnEvent::failed, m.generation());
        ASSERT_TRUE(actions.retry_in.has_value());
        EXPECT_FALSE(actions.notify_down) << "never ready, so never down";
        delays.push_back(static_cast<long>(actions.retry_in->count()));
        m.on(ConnEvent::retry_due);
    }
    EXPECT_EQ(delays, (std::vector<long>{100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000}));
    EXPECT_EQ(m.failures(), 9U);

    // Ready again: the count starts over, and the next loss retries after the minimum.
    make_ready(m);
    EXPECT_EQ(m.failures(), 0U);
    EXPECT_EQ(*m.on(ConnEvent::failed, m.generation()).retry_in, milliseconds(100));
}

TEST(ConnectionMachine, setup_failure_is_a_failed_attempt_not_a_lost_connection) {
    auto m = machine();
    m.on(ConnEvent::start);
    m.on(ConnEvent::connected, 1);
    const auto actions = m.on(ConnEvent::failed, 1);
    EXPECT_TRUE(actions.close);
    EXPECT_TRUE(actions.fail_queued);
    EXPECT_FALSE(actions.notify_down);
    EXPECT_EQ(m.state(), ConnState::waiting);
}

TEST(ConnectionMachine, stop_closes_and_fails_everything_from_any_state_and_start_begins_again) {
    auto m = machine();
    make_ready(m);
    auto actions = m.on(ConnEvent::stop);
    EXPECT_TRUE(actions.close);
    EXPECT_TRUE(actions.fail_queued);
    EXPECT_TRUE(actions.fail_sent);
    EXPECT_TRUE(actions.notify_down);
    EXPECT_FALSE(actions.retry_in.has_value());
    EXPECT_EQ(m.state(), ConnState::stopped);
    EXPECT_TRUE(m.on(ConnEvent::stop).none());
    EXPECT_TRUE(m.on(ConnEvent::retry_due).none()) << "a retry timer that fires late";

    m.on(ConnEvent::start);
    m.on(ConnEvent::failed, m.generation());
    actions = m.on(ConnEvent::stop);  // while waiting: no context to close
    EXPECT_FALSE(actions.close);
    EXPECT_FALSE(actions.notify_down);
    EXPECT_EQ(m.state(), ConnState::stopped);
}

TEST(ConnectionMachine, events_out_of_place_are_ignored) {
    auto m = machine();
    EXPECT_TRUE(m.on(ConnEvent::connected, 0).none());
    EXPECT_TRUE(m.on(ConnEvent::failed, 0).none());
    m.on(ConnEvent::start);
    EXPECT_TRUE(m.on(ConnEvent::start).none());
    EXPECT_TRUE(m.on(ConnEvent::setup_done, 1).none()) << "setup before connected";
    EXPECT_TRUE(m.on(ConnEvent::retry_due).none()) << "not waiting";
    EXPECT_EQ(m.state(), ConnState::connecting);
}

TEST(Backoff, jitter_stays_between_half_and_the_full_base_and_never_below_the_minimum) {
    const Backoff backoff(milliseconds(100), milliseconds(1000));
    EXPECT_EQ(backoff.delay(0, 0.0), milliseconds(100));
    EXPECT_EQ(backoff.delay(0, 0.99), milliseconds(100));
    EXPECT_EQ(backoff.delay(1, 0.0), milliseconds(100));  // 200 * 0.5, not below min
    EXPECT_EQ(backoff.delay(1, 1.0), milliseconds(200));
    EXPECT_EQ(backoff.delay(3, 0.0), milliseconds(400));
    EXPECT_EQ(backoff.delay(3, 0.5), milliseconds(600));
    EXPECT_EQ(backoff.delay(40, 0.0), milliseconds(500));
    EXPECT_EQ(backoff.delay(40, 1.0), milliseconds(1000));
    // Nonsense configuration is made sane: max >= min >= 1 ms.
    const Backoff odd(milliseconds(0), milliseconds(0));
    EXPECT_EQ(odd.min(), milliseconds(1));
    EXPECT_EQ(odd.max(), milliseconds(1));
}

}  // namespace
}  // namespace muster::redis
