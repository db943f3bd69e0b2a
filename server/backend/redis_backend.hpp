#pragma once
// The shared backend: a Redis (or Redis Cluster) that nodes share, the store and bus on it and
// the feature stores on the store's connection. backend.hpp has the contract and the
// teardown order.

#include <memory>
#include <string>

#include "backend/backend.hpp"

namespace muster::backend {

// `process_id`: this process among the nodes (presence entries, the health channel).
Result<std::unique_ptr<Backend>> open_redis(const Config& config, Clock& clock,
                                            const std::string& process_id);

}  // namespace muster::backend
