#pragma once
// The push worker's rules over an intent's delivery state (stored opaque by the outbox, see
// store/push_outbox.hpp): who holds its lease and until when, how many attempts were made, when
// the next may start, and which devices already have it. Pure functions of their inputs: the
// store may run them more than once and writes their result only if the state did not change.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/push_outbox.hpp"

namespace muster::push {

struct DeliveryState {
    std::string owner;                   // process holding the lease; empty: none
    std::int64_t lease_until_ms = 0;     // the lease is void from then on
    std::uint32_t attempts = 0;          // delivery rounds that ended in a retry
    std::int64_t next_attempt_ms = 0;    // no round before this
    std::vector<std::string> delivered;  // device ids done (sent, skipped, or dead)
};

DeliveryState parse_state(const std::string& text);
std::string format_state(const DeliveryState& state);

// Takes the lease for `owner` until now + lease_ms, unless another process holds a live one or
// the intent waits for a retry. Idempotent for a re-run.
PushStateRule take_lease(std::string owner, std::int64_t lease_ms);

// Ends `owner`'s round: the devices in `delivered` are done, the next round may start at
// `next_attempt_ms`; `count_attempt` false for a round that only waited (quiet hours). Nothing
// when the lease is no longer `owner`'s (it lapsed and another process took it).
PushStateRule end_round(std::string owner, std::vector<std::string> delivered,
                        std::int64_t next_attempt_ms, bool count_attempt);

// The wait before retry `attempt` (1 = the first retry): initial * 2^(attempt-1), at most max,
// and never before Retry-After (`retry_after_ms`, 0 = none), nor much later than it.
std::int64_t backoff_ms(std::uint32_t attempt, std::int64_t initial_ms, std::int64_t max_ms,
                        std::int64_t retry_after_ms);

}  // namespace muster::push
