#pragma once
// Push targets: the devices (Web Push subscriptions, UnifiedPush endpoints, webhooks) a user
// registered with PUT /api/v1/devices/{id}. The push worker reads them to deliver the outbox.
//
// A device id is the app's own (an installation id) and is scoped to its user: two users may
// use the same id without meeting. Implementations: SqliteDeviceStore; Redis later.

#include <cstdint>
#include <string>
#include <vector>

#include "core/async.hpp"

namespace muster::store {

struct DeviceInfo {
    std::string id;
    std::string user;
    std::string kind;             // "webpush", "unifiedpush" or "webhook"
    std::string endpoint;         // the push service URL
    std::string p256dh;           // Web Push: the client's public key (base64url)
    std::string auth;             // Web Push: the client's auth secret (base64url)
    std::int64_t created_ms = 0;  // first registration; kept when the device is updated
};

struct DevicePut {
    DeviceInfo device;               // created_ms: now (used for a new device only)
    std::uint32_t max_per_user = 0;  // a new device beyond this many fails TOO_LARGE; 0: no cap
};

struct DevicePutResult {
    DeviceInfo device;  // as stored
    bool created = false;
};

class DeviceStore {
  public:
    virtual ~DeviceStore() = default;

    // Registers a device or replaces its target.
    virtual void put(DevicePut request, Done<DevicePutResult> done) = 0;
    // NOT_FOUND when the user has no such device.
    virtual void remove(std::string user, std::string id, Done<Unit> done) = 0;
    // Ordered by id.
    virtual void devices_of(std::string user, Done<std::vector<DeviceInfo>> done) = 0;
};

}  // namespace muster::store
