#include "store/sqlite/sqlite_feature_schema.hpp"

#include <string>

#include "core/async.hpp"
#include "core/log.hpp"

namespace muster::store {

Status apply_feature_schema(sqlite::Database& db, std::string_view feature,
                            const std::vector<std::string_view>& migrations) {
    // Start-up, before any loop runs: waiting here is what makes a feature's tables exist
    // before its first command.
    auto migrate = [&](const Done<Unit>& done) {
        auto job = [feature = std::string(feature), &migrations,
                    done](sqlite::Transaction& txn) -> Status {
            if (auto status = txn.db().exec(
                    "CREATE TABLE IF NOT EXISTS feature_schema ("
                    " feature TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL) WITHOUT ROWID");
                !status) {
                return status;
            }
            std::size_t current = 0;
            {
                auto read = txn.prepare("SELECT version FROM feature_schema WHERE feature = ?1");
                if (!read) return read.status();
                read->bind_text(1, feature);
                auto row = read->step();
                if (!row) return row.status();
                if (*row) current = static_cast<std::size_t>(read->int64(0));
            }
            if (current > migrations.size()) {
                return {errc::internal, "the " + feature + " tables are at version " +
                                            std::to_string(current) +
                                            ", newer than this build's (" +
                                            std::to_string(migrations.size()) + ")"};
            }
            for (std::size_t version = current; version < migrations.size(); ++version) {
                if (auto status = txn.db().exec(migrations[version]); !status) {
                    return {status.code(), "migrating the " + feature + " tables to version " +
                                               std::to_string(version + 1) + ": " +
                                               status.message()};
                }
            }
            if (current < migrations.size()) {
                auto save = txn.prepare(
                    "INSERT INTO feature_schema (feature, version) VALUES (?1, ?2) "
                    "ON CONFLICT (feature) DO UPDATE SET version = excluded.version");
                if (!save) return save.status();
                save->bind_text(1, feature)
                    .bind_int(2, static_cast<std::int64_t>(migrations.size()));
                if (auto status = save->run(); !status) return status;
                txn.after_commit([feature, version = migrations.size()] {
                    MUSTER_LOG_INFO("store")
                        << feature << " tables migrated to version " << version;
                });
            }
            txn.after_commit([done] { done(Unit{}); });
            return ok_status();
        };
        db.write(std::move(job), [done](Status status) { done(std::move(status)); });
    };
    return blocking_call<Unit>(migrate).status();
}

}  // namespace muster::store
