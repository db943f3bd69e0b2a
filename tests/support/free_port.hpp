#pragma once
// A loopback TCP port that was free a moment ago, for servers that cannot report the port
// they bound (redis-server). Racy by nature: callers retry when the bind fails.

#include <cstdint>

namespace muster::test {

std::uint16_t free_loopback_port();

}  // namespace muster::test
