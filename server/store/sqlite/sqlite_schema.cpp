#include "store/sqlite/sqlite_schema.hpp"

#include <array>
#include <string>

#include "core/log.hpp"

namespace muster::store {
namespace {

// migrations[i] takes the schema from version i to version i + 1.
constexpr std::array migrations = {
    // 1: directory, event log, idempotency keys.
    R"sql(
CREATE TABLE groups (
    id     TEXT PRIMARY KEY NOT NULL,
    name   TEXT NOT NULL DEFAULT '',
    parent TEXT REFERENCES groups(id)          -- NULL for a root
);
CREATE INDEX groups_by_parent ON groups(parent);

-- Display names users connected with (remember_user), for reports.
CREATE TABLE users (
    id   TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

CREATE TABLE members (
    group_id TEXT NOT NULL REFERENCES groups(id),
    user_id  TEXT NOT NULL,
    role     TEXT NOT NULL,                     -- role_name(): member | coordinator
    name     TEXT NOT NULL DEFAULT '',          -- the name given with the membership, if any
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX members_by_user ON members(user_id);

-- The last seq assigned per group. Kept apart from the events so that trimming the log
-- never moves the sequence back.
CREATE TABLE group_heads (
    group_id TEXT PRIMARY KEY NOT NULL REFERENCES groups(id),
    last_seq INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per retained event: the serialised muster.v1.Event, seq included. Clustered on
-- (group, seq) so that a page of history is one range scan.
CREATE TABLE events (
    group_id TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    time_ms  INTEGER NOT NULL,
    body     BLOB NOT NULL,
    PRIMARY KEY (group_id, seq)
) WITHOUT ROWID;

CREATE TABLE idempotency (
    group_id   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    key        TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_by_expiry ON idempotency(expires_ms);
)sql",
};

Result<int> user_version(sqlite::Connection& db) {
    auto stmt = db.prepare("PRAGMA user_version");
    if (!stmt) return stmt.status();
    auto row = stmt->step();
    if (!row) return row.status();
    return *row ? static_cast<int>(stmt->int64(0)) : 0;
}

}  // namespace

int sqlite_schema_version() {
    return static_cast<int>(migrations.size());
}

Status migrate_sqlite_schema(sqlite::Connection& db) {
    auto current = user_version(db);
    if (!current) return current.status();
    if (*current > sqlite_schema_version()) {
        return {errc::internal, "database schema version " + std::to_string(*current) +
                                    " is newer than this build's (" +
                                    std::to_string(sqlite_schema_version()) + ")"};
    }
    for (int version = *current; version < sqlite_schema_version(); ++version) {
        const std::string sql = std::string("BEGIN IMMEDIATE;") + migrations[version] +
                                "PRAGMA user_version = " + std::to_string(version + 1) + ";COMMIT;";
        if (auto status = db.exec(sql); !status) {
            // The migration's error is the one reported, and start-up stops on it.
            if (db.in_transaction()) (void)db.exec("ROLLBACK");
            return {status.code(), "migrating the schema to version " +
                                       std::to_string(version + 1) + ": " + status.message()};
        }
        MUSTER_LOG_INFO("store") << "schema migrated to version " << version + 1;
    }
    return ok_status();
}

}  // namespace muster::store
