#pragma once
// Push targets in Redis (see device_store.hpp for the contract): per user, under the user's
// hash tag `{u:<user>}` (redis/keys.hpp), a sorted set of device ids and one hash per device.
// A registration is one script (the cap per user and the first registration time are checked
// and kept where nothing can change under them). The kinds a device lists are indexed in one
// sorted set of their own tag (users_listing_kind), written around that script: before it for
// the kinds listed, after it for those no longer listed.

#include <functional>
#include <string>
#include <vector>

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
    void users_listing_kind(std::string kind, Done<std::vector<std::string>> done) override;

  private:
    void write_device(DevicePut request, std::vector<std::string> listed,
                      Done<DevicePutResult> done);
    // Drops index entries, then runs `then` (whether or not they could be dropped).
    void unindex(std::vector<std::string> members, std::function<void()> then);
    static std::string index_member(const std::string& kind, const std::string& user,
                                    const std::string& id);
    static std::vector<std::string> index_members(const std::vector<std::string>& kinds,
                                                  const std::string& user, const std::string& id);

    redis::Client& client_;
    const redis::Keys& keys_;
};

}  // namespace muster::store
