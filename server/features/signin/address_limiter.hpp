#pragma once
// A token bucket per client address (redeem failures, refreshes): `per_minute` tokens, refilled
// continuously, a full bucket's worth as the burst. Per node: behind a load balancer that
// spreads one address over N nodes, an address gets up to N times the rate (still bounded).
// The address is the TCP peer's: a reverse proxy in front must be taken into account by
// whoever sets the limits.
//
// Memory is bounded: beyond max_addresses, buckets that have refilled (they hold no state worth
// keeping) are dropped; if that is not enough the table starts again (failing open for a
// moment rather than growing without bound). Thread-safe (a mutex; the HTTP routes of every
// loop share one limiter).

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace muster::features::signin {

class AddressLimiter {
  public:
    explicit AddressLimiter(double per_minute, std::size_t max_addresses = 100000);

    // Seconds until `address` may try again (at least 1), or 0 when it may now.
    [[nodiscard]] std::int64_t wait_s(const std::string& address, std::int64_t now_ms);
    // Takes one token (a failed redeem, a refresh). Returns what wait_s() would have said
    // before: 0 when the token was there.
    std::int64_t take(const std::string& address, std::int64_t now_ms);

  private:
    struct Bucket {
        double tokens = 0;
        std::int64_t at_ms = 0;
    };
    void refill(Bucket& bucket, std::int64_t now_ms) const;
    [[nodiscard]] std::int64_t wait_for(const Bucket& bucket) const;
    Bucket& bucket_of(const std::string& address, std::int64_t now_ms);

    const double per_ms_;
    const double burst_;
    const std::size_t max_addresses_;
    std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace muster::features::signin
