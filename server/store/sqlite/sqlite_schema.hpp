#pragma once
// The SQLite schema and its migrations, versioned with PRAGMA user_version.
//
// Version N of the schema is migration N applied to version N-1; every migration runs in its
// own transaction together with the user_version it reaches, so that a crash leaves the file
// at one version or the next, never in between. To change the schema, append a migration to
// the list in sqlite_schema.cpp; never edit one that has shipped.

#include "core/status.hpp"
#include "sqlite/connection.hpp"

namespace muster::store {

// The version this build writes and understands.
int sqlite_schema_version();

// Brings the database up to sqlite_schema_version(). INTERNAL when the file is newer than this
// build (a downgrade is not supported). Start-up only, on the writing connection.
Status migrate_sqlite_schema(sqlite::Connection& db);

}  // namespace muster::store
