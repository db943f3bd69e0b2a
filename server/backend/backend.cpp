#include "backend/backend.hpp"

#include "backend/redis_backend.hpp"
#include "backend/sqlite_backend.hpp"

namespace muster::backend {

Result<std::unique_ptr<Backend>> open(const Config& config, Clock& clock,
                                      const std::string& process_id) {
    if (!config.redis.url.empty()) return open_redis(config, clock, process_id);
    return open_sqlite(config, clock);
}

}  // namespace muster::backend
