#pragma once
// Schemas that stores of features add to the embedded database (duty calls, devices, the push
// outbox).
//
// The core schema (sqlite_schema.cpp) is versioned by PRAGMA user_version. A feature store
// does not touch that number: features are written side by side, and two of them bumping it
// to the same value would collide. Each feature names its own migrations instead, and the
// version it reached is a row of `feature_schema (feature, version)`. Migrations run in one
// write job (one transaction): all of them or none.

#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "sqlite/database.hpp"

namespace muster::store {

// Brings `feature`'s tables to migrations.size() by running the migrations it has not run yet.
// Blocks until committed: start-up only (a store's constructor), never on a loop or store
// thread. INTERNAL when the database is newer than this build.
Status apply_feature_schema(sqlite::Database& db, std::string_view feature,
                            const std::vector<std::string_view>& migrations);

}  // namespace muster::store
