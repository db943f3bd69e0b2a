#pragma once
// The embedded backend: one SQLite database in the data directory, this process's alone (the
// directory is locked before the database opens, and unlocked after it closed), and the
// in-process bus. backend.hpp has the contract and the teardown order.

#include <memory>

#include "backend/backend.hpp"

namespace muster::backend {

Result<std::unique_ptr<Backend>> open_sqlite(const Config& config, Clock& clock);

}  // namespace muster::backend
