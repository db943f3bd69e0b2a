#pragma once
// Which channels the Redis bus's subscriber connection should be subscribed to, and who is
// waiting for which confirmation: the bookkeeping of RedisBus without a socket (unit-tested in
// tests/unit/redis/redis_subscriptions_test.cpp).
//
// A channel is wanted from subscribe() until unsubscribe(); permanent channels (control,
// health) always. It is active once Redis confirmed the SUBSCRIBE on the current connection.
// After a reconnect every wanted channel is subscribed again from this list (centrifuge and
// Boost.Redis keep such a list too), and once all of them are confirmed, take_reset() says so
// once: events published while the subscriber was away are lost for this node, and its
// sessions must catch up from the log.
//
// Confirmations are counted per channel: SUBSCRIBE a, UNSUBSCRIBE a, SUBSCRIBE a gives two
// "subscribe a" replies, and only the second one means the channel is live again.

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/async.hpp"

namespace muster::bus {

class SubscriptionTracker {
  public:
    using clock = std::chrono::steady_clock;
    using Waiter = Done<Unit>;

    enum class Outcome : std::uint8_t {
        active,   // already confirmed: call `done` now (it was left with the caller)
        pending,  // a SUBSCRIBE is under way: `done` waits for it
        send,     // send SUBSCRIBE now: `done` waits for it
    };

    // Always subscribed, never unsubscribed (control, health).
    void add_permanent(const std::string& channel);

    // The caller checked that the connection is ready. `done` is moved from unless active.
    Outcome subscribe(const std::string& channel, Waiter& done, clock::time_point deadline);
    // Stops wanting the channel. Waiters of an unconfirmed subscription are moved to `failed`.
    // True when UNSUBSCRIBE should be sent (the channel was wanted).
    bool unsubscribe(const std::string& channel, std::vector<Waiter>& failed);
    // Redis confirmed a SUBSCRIBE: the waiters to complete (none if still not live).
    std::vector<Waiter> confirmed(const std::string& channel);

    // The connection was lost: unconfirmed subscriptions fail (their waiters are returned);
    // confirmed ones stay wanted, to be subscribed again.
    std::vector<Waiter> connection_lost();
    // A new connection is ready: every wanted channel, to SUBSCRIBE now.
    std::vector<std::string> connection_ready(clock::time_point deadline);
    // Unconfirmed past their deadline: their waiters go to `failed`, subscriptions never
    // confirmed are dropped. True when anything was overdue (the connection is stuck).
    bool expire(clock::time_point now, std::vector<Waiter>& failed);
    // True once after a reconnect, when every wanted channel is confirmed again.
    bool take_reset();

    [[nodiscard]] bool wanted(const std::string& channel) const;
    [[nodiscard]] bool active(const std::string& channel) const;
    // Confirmed channels, permanent ones excluded (the subscribed-channels metric).
    [[nodiscard]] std::size_t active_count() const;
    [[nodiscard]] std::size_t wanted_count() const { return entries_.size(); }

  private:
    struct Entry {
        bool permanent = false;
        bool active = false;
        bool ever_active = false;  // survives a reconnect even if not confirmed yet
        bool awaiting = false;     // a SUBSCRIBE was sent on this connection, unconfirmed
        std::vector<Waiter> waiters;
        clock::time_point deadline;
    };

    std::unordered_map<std::string, Entry> entries_;
    // SUBSCRIBEs sent on the current connection and not confirmed yet, per channel.
    std::unordered_map<std::string, std::uint32_t> unconfirmed_;
    bool had_connection_ = false;
    bool reset_pending_ = false;
};

}  // namespace muster::bus
