#pragma once
// The bounds of a push outbox that nobody may be draining yet (no push worker configured):
// shared by the SQLite and Redis outboxes.

#include <chrono>
#include <cstdint>

namespace muster::store {

struct PushOutboxLimits {
    std::chrono::seconds max_age{7 * 86400};  // a push older than this is worthless
    std::uint64_t max_intents = 100000;
    std::chrono::seconds sweep_interval{300};
};

}  // namespace muster::store
