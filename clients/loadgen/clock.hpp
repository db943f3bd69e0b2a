#pragma once
// One clock for everything the load generator times: CLOCK_MONOTONIC in nanoseconds. The
// publisher and every receiver are in this process (or at least on this machine), so a send
// timestamp carried in the message text can be compared with the receive time directly.

#include <cstdint>
#include <ctime>

namespace muster::loadgen {

inline std::int64_t now_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline constexpr std::int64_t ns_per_ms = 1'000'000;
inline constexpr std::int64_t ns_per_s = 1'000'000'000;

inline double seconds(std::int64_t ns) {
    return static_cast<double>(ns) / 1e9;
}
inline double millis(std::int64_t ns) {
    return static_cast<double>(ns) / 1e6;
}

}  // namespace muster::loadgen
