#pragma once
// Push targets in Redis (see device_store.hpp for the contract): per user, under the user's
// hash tag `{u:<user>}` (redis/keys.hpp), a sorted set of device ids and one hash per device.
// A registration is one script (the cap per user and the first registration time are checked
// and kept where nothing can change under them).

#include "redis/client.hpp"
#include "redis/keys.hpp"
#include "store/device_store.hpp"

namespace muster::store {

class RedisDeviceStore final : public DeviceStore {
  public:
    // `client` and `keys` must outlive this.
    RedisDeviceStore(redis::Client& client, const redis::Keys& keys)
        : client_(client), keys_(keys) {}

    void put(DevicePut request, Done<DevicePutResult> done) override;
    void remove(std::string user, std::string id, Done<Unit> done) override;
    void devices_of(std::string user, Done<std::vector<DeviceInfo>> done) override;

  private:
    redis::Client& client_;
    const redis::Keys& keys_;
};

}  // namespace muster::store
