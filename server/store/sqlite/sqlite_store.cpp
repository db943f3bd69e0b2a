#include "store/sqlite/sqlite_store.hpp"

#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "core/log.hpp"
#include "store/sqlite/sqlite_schema.hpp"

namespace muster::store {
namespace {

std::unique_ptr<sqlite::Database> open_database(const Config& config) {
    const std::string path = config.sqlite_path();
    const auto directory = std::filesystem::path(path).parent_path();
    if (!directory.empty()) {
        std::error_code error;
        std::filesystem::create_directories(directory, error);
        if (error) {
            throw std::runtime_error("cannot create the data directory " + directory.string() +
                                     ": " + error.message());
        }
    }
    auto options = sqlite::Options::from(path, config.store);
    if (!options) throw std::runtime_error(options.status().message());
    options->migrate = migrate_sqlite_schema;
    auto db = sqlite::Database::open(std::move(options).value());
    if (!db) {
        throw std::runtime_error("cannot open the database " + path + ": " + db.status().message());
    }
    MUSTER_LOG_INFO("store") << "schema v" << sqlite_schema_version() << " in " << path;
    return std::move(db).value();
}

}  // namespace

SqliteStore::SqliteStore(const Config& config, bus::CommittedEvents& bus, const Clock& clock)
    : db_(open_database(config))
    , log_(std::make_unique<SqliteEventLog>(*db_, bus, config.log, clock,
                                            std::chrono::seconds(config.store.trim_interval_s)))
    , directory_(std::make_unique<SqliteDirectory>(*db_)) {}

SqliteStore::~SqliteStore() {
    close();
}

void SqliteStore::ping(Done<Unit> done) {
    auto job = [done](sqlite::Transaction& txn) -> Status {
        auto one = txn.prepare("SELECT 1");
        if (!one) return one.status();
        if (auto row = one->step(); !row) return row.status();
        txn.after_commit([done] { done(Unit{}); });
        return ok_status();
    };
    db_->read(std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); });
}

void SqliteStore::close() {
    db_->close();
}

}  // namespace muster::store
