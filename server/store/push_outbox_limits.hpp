#pragma once
// The bounds of a push outbox (push.outbox_* in the configuration): shared by the SQLite and
// Redis outboxes. An outbox nobody may be draining yet (no push worker configured, providers
// down) must not grow without end.

#include <chrono>
#include <cstdint>

#include "core/config.hpp"

namespace muster::store {

struct PushOutboxLimits {
    std::chrono::seconds max_age{7 * 86400};  // a push older than this is worthless
    std::uint64_t max_intents = 100000;
    std::chrono::seconds sweep_interval{300};
    // SQLite: outbox rows written per transaction. A larger fan-out (a duty call to a whole
    // sub-district) is recorded at once in compact form and expanded chunk by chunk, so that
    // the one writer never holds chat commits behind a 10,000-row transaction.
    std::uint32_t chunk = 256;

    static PushOutboxLimits from(const PushConfig& config) {
        PushOutboxLimits limits;
        limits.max_age = std::chrono::seconds(config.outbox_max_age_s);
        limits.max_intents = config.outbox_max_intents;
        limits.chunk = config.outbox_chunk;
        return limits;
    }
};

}  // namespace muster::store
