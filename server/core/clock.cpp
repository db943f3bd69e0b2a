#include "core/clock.hpp"

#include <algorithm>
#include <chrono>

namespace muster {

std::int64_t SystemClock::now_ms() const {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t ManualClock::advance(std::int64_t delta_ms) {
    return now_.fetch_add(std::max<std::int64_t>(delta_ms, 0)) +
           std::max<std::int64_t>(delta_ms, 0);
}

}  // namespace muster
