#pragma once
// The life of one Redis connection as a state machine without a socket (Boost.Redis' design):
// the Connection feeds it events and carries out the actions it returns, so every transition
// is unit-tested (tests/unit/redis/connection_machine_test.cpp) without a Redis.
//
//   stopped --start--> connecting --connected--> setting_up --setup_done--> ready
//      ^                   |                        |                          |
//      |                 failed                   failed                     failed
//      |                   v                        v                          v
//      +------stop------ waiting <------------------+--------------------------+
//                          |
//                      retry_due --> connecting (a NEW context, generation + 1)
//
// `failed` is anything that ends a context: connect refused or timed out, the socket closed,
// a setup command refused, a command unanswered within the timeout, a failed health check.
// Every new context gets the next generation; events carrying another generation come from
// a context that was already given up and are ignored, so a late callback of an old context
// can never touch the new one.
//
// Commands: sent at once when ready; queued (bounded by their own timeout) while a context is
// connecting or setting up, so that a node starting next to a starting Redis, or a reconnect
// that takes a few milliseconds, does not fail anything; failed at once while waiting for the
// next attempt: when Redis is unreachable, callers hear UNAVAILABLE immediately.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include "redis/backoff.hpp"

namespace muster::redis {

enum class ConnState : std::uint8_t { stopped, connecting, setting_up, ready, waiting };
enum class ConnEvent : std::uint8_t { start, connected, setup_done, failed, retry_due, stop };

const char* state_name(ConnState state);

// What the Connection must do after an event, in this order: close, fail, open, setup, flush,
// notify, schedule.
struct ConnActions {
    bool close = false;         // free the current context; its callbacks are ignored from now
    bool fail_queued = false;   // commands waiting for a connection fail with UNAVAILABLE
    bool fail_sent = false;     // commands written but not answered fail with UNAVAILABLE
    bool open = false;          // create a context for generation()
    bool send_setup = false;    // AUTH / SELECT / CLIENT SETNAME on the new context
    bool flush_queue = false;   // send the commands queued while connecting
    bool notify_ready = false;  // tell the owner (resubscribe, heartbeat now)
    bool notify_down = false;   // tell the owner the ready connection is gone
    std::optional<std::chrono::milliseconds> retry_in;  // feed retry_due after this delay

    [[nodiscard]] bool none() const {
        return !close && !fail_queued && !fail_sent && !open && !send_setup && !flush_queue &&
               !notify_ready && !notify_down && !retry_in;
    }
};

class ConnectionMachine {
  public:
    // `random` returns a uniform number in [0, 1) for the backoff jitter.
    ConnectionMachine(Backoff backoff, std::function<double()> random);

    // `generation` matters for connected, setup_done and failed: an event of another
    // generation than the current context's is ignored (no actions).
    ConnActions on(ConnEvent event, std::uint64_t generation = 0);

    [[nodiscard]] ConnState state() const { return state_; }
    // The generation of the current (or last) context; 0 before the first.
    [[nodiscard]] std::uint64_t generation() const { return generation_; }
    // Attempts that failed since the connection was last ready.
    [[nodiscard]] std::uint32_t failures() const { return failures_; }
    // Times the connection became ready again after having been ready before.
    [[nodiscard]] std::uint64_t reconnects() const { return reconnects_; }

    [[nodiscard]] bool sends_commands() const { return state_ == ConnState::ready; }
    [[nodiscard]] bool queues_commands() const {
        return state_ == ConnState::connecting || state_ == ConnState::setting_up;
    }

  private:
    ConnActions fail();

    Backoff backoff_;
    std::function<double()> random_;
    ConnState state_ = ConnState::stopped;
    std::uint64_t generation_ = 0;
    std::uint32_t failures_ = 0;
    std::uint64_t reconnects_ = 0;
    bool was_ready_ = false;
};

}  // namespace muster::redis
