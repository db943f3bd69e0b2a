#include "backend/sqlite_backend.hpp"

#include <filesystem>

#include "bus/local_bus.hpp"
#include "core/dir_lock.hpp"
#include "store/sqlite/sqlite_device_store.hpp"
#include "store/sqlite/sqlite_duty_store.hpp"
#include "store/sqlite/sqlite_meeting_store.hpp"
#include "store/sqlite/sqlite_push_outbox.hpp"
#include "store/sqlite/sqlite_signin_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace muster::backend {
namespace {

class SqliteBackend final : public Backend {
  public:
    SqliteBackend(const Config& config, Clock& clock,
                  std::vector<std::unique_ptr<DirectoryLock>> locks)
        : locks_(std::move(locks))
        , store_(config, bus_, clock)
        , meetings_(store_.database(), store_.sqlite_log(), clock)
        , outbox_(store_.database(), clock, store::PushOutboxLimits::from(config.push))
        , duty_(store_.database(), store_.sqlite_log(), outbox_, config.store.read_ahead_ids)
        , devices_(store_.database())
        , signin_(store_.database(), clock)
        , path_(config.sqlite_path()) {}

    store::Store& store() override { return store_; }
    bus::Bus& bus() override { return bus_; }
    features::duty::DutyStore& duty() override { return duty_; }
    features::meetings::MeetingStore& meetings() override { return meetings_; }
    store::DeviceStore& devices() override { return devices_; }
    features::signin::SigninStore& signin() override { return signin_; }
    push::PushOutbox& outbox() override { return outbox_; }
    // The in-process bus delivers on the writer thread, as the store commits: once the node
    // has closed the store, nothing is delivered.
    void stop_delivery() override {}
    [[nodiscard]] std::string describe() const override { return "SQLite at " + path_; }

  private:
    // Destroyed in reverse order: the feature stores, the store (the database closes), the
    // bus, the locks.
    std::vector<std::unique_ptr<DirectoryLock>> locks_;
    bus::LocalBus bus_;
    store::SqliteStore store_;
    store::SqliteMeetingStore meetings_;
    store::SqlitePushOutbox outbox_;  // the duty store writes to it
    store::SqliteDutyStore duty_;
    store::SqliteDeviceStore devices_;
    store::SqliteSigninStore signin_;
    std::string path_;
};

}  // namespace

Result<std::unique_ptr<Backend>> open_sqlite(const Config& config, Clock& clock) {
    // The database is this process's alone: a second node on the same directory is refused
    // before it opens the database (and so is one whose store.sqlite_path is elsewhere).
    std::vector<std::unique_ptr<DirectoryLock>> locks;
    auto data_lock = DirectoryLock::acquire(config.server.data_dir);
    if (!data_lock) return data_lock.status();
    locks.push_back(std::move(*data_lock));
    const auto db_dir = std::filesystem::absolute(config.sqlite_path()).parent_path();
    if (std::filesystem::weakly_canonical(db_dir) !=
        std::filesystem::weakly_canonical(config.server.data_dir)) {
        auto db_lock = DirectoryLock::acquire(db_dir);
        if (!db_lock) return db_lock.status();
        locks.push_back(std::move(*db_lock));
    }
    return std::unique_ptr<Backend>(new SqliteBackend(config, clock, std::move(locks)));
}

}  // namespace muster::backend
