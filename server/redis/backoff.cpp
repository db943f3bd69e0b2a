#include "redis/backoff.hpp"

#include <algorithm>

namespace muster::redis {

Backoff::Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max)
    : min_(std::max(min, std::chrono::milliseconds(1))), max_(std::max(max, min_)) {}

std::chrono::milliseconds Backoff::delay(std::uint32_t attempt, double unit) const {
    if (attempt == 0) return min_;
    double base = static_cast<double>(min_.count());
    const double cap = static_cast<double>(max_.count());
    for (std::uint32_t i = 0; i < attempt && base < cap; ++i) base *= 2;
    base = std::min(base, cap);
    unit = std::clamp(unit, 0.0, 1.0);
    const auto jittered = static_cast<std::int64_t>(base * (0.5 + 0.5 * unit));
    return std::clamp(std::chrono::milliseconds(jittered), min_, max_);
}

}  // namespace muster::redis
