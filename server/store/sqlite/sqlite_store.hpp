#pragma once
// The embedded store of a single node: one SQLite file (Config::sqlite_path()) holding the
// log and the directory, with presence in memory. The composition root builds it when no
// Redis is configured.
//
// Other SQLite stores (duty calls, meetings, devices) are built on database() and may append
// to the log in their own transactions through sqlite_log().append_in_transaction().

#include <memory>

#include "bus/bus.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "sqlite/database.hpp"
#include "store/memory_presence.hpp"
#include "store/sqlite/sqlite_directory.hpp"
#include "store/sqlite/sqlite_event_log.hpp"
#include "store/store.hpp"

namespace muster::store {

class SqliteStore final : public Store {
  public:
    // Creates the data directory if needed and opens the database. Throws std::runtime_error
    // naming the path when it cannot (start-up is where exceptions belong). `bus` and `clock`
    // must outlive the store.
    SqliteStore(const Config& config, bus::CommittedEvents& bus, const Clock& clock);
    // Closes (see close()).
    ~SqliteStore() override;
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    EventLog& log() override { return *log_; }
    Directory& directory() override { return *directory_; }
    PresenceStore& presence() override { return presence_; }

    // The concrete parts, for stores and tests that need more than the interfaces.
    [[nodiscard]] sqlite::Database& database() { return *db_; }
    [[nodiscard]] SqliteEventLog& sqlite_log() { return *log_; }
    [[nodiscard]] SqliteDirectory& sqlite_directory() { return *directory_; }

    // A read job on the reader thread: proves the database answers.
    void ping(Done<Unit> done) override;
    // Completes queued work, commits, stops the store threads. Blocks; idempotent.
    void close() override;

  private:
    // Declared first: destroyed last, after everything that queues jobs on it.
    std::unique_ptr<sqlite::Database> db_;
    std::unique_ptr<SqliteEventLog> log_;
    std::unique_ptr<SqliteDirectory> directory_;
    MemoryPresence presence_;
};

}  // namespace muster::store
