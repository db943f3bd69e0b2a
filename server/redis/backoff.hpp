#pragma once
// How long to wait before the next connection attempt: exponential from `min` to `max`, with
// jitter so that the nodes of a cluster that lost Redis together do not knock on its door in
// the same millisecond when it comes back.
//
//   attempt 0: min;  attempt n: a random delay in [base/2, base], base = min * 2^n capped at
//   max, and never below min.
//
// The random number is passed in, so that tests need no seed.

#include <chrono>
#include <cstdint>

namespace muster::redis {

class Backoff {
  public:
    Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max);

    // `unit` is uniform in [0, 1).
    [[nodiscard]] std::chrono::milliseconds delay(std::uint32_t attempt, double unit) const;

    [[nodiscard]] std::chrono::milliseconds min() const { return min_; }
    [[nodiscard]] std::chrono::milliseconds max() const { return max_; }

  private:
    std::chrono::milliseconds min_;
    std::chrono::milliseconds max_;
};

}  // namespace muster::redis
