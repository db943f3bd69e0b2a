#pragma once
// Push targets in the embedded database (see device_store.hpp for the contract): a row per
// device, and a row per kind a device lists (device_kinds), written in the same transaction.

#include "sqlite/database.hpp"
#include "store/device_store.hpp"

namespace muster::store {

class SqliteDeviceStore final : public DeviceStore {
  public:
    // Creates its table if needed (blocking: start-up only). Throws std::runtime_error when
    // it cannot. The database must be closed before this store is destroyed.
    explicit SqliteDeviceStore(sqlite::Database& db);

    void put(DevicePut request, Done<DevicePutResult> done) override;
    void remove(std::string user, std::string id, Done<Unit> done) override;
    void devices_of(std::string user, Done<std::vector<DeviceInfo>> done) override;
    void users_listing_kind(std::string kind, Done<std::vector<std::string>> done) override;
    // One read transaction for all of them.
    void devices_of_users(std::vector<std::string> users, Done<DeviceLists> done) override;

  private:
    sqlite::Database& db_;
};

}  // namespace muster::store
