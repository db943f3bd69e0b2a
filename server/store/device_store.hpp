#pragma once
// Push targets: the devices (Web Push subscriptions, UnifiedPush endpoints, APNs/FCM/HMS tokens,
// webhooks) a user registered with PUT /api/v1/devices/{id}, with what each wants pushed and
// when. The push worker reads them to deliver the outbox and removes those whose provider
// says the token is dead.
//
// A device id is the app's own (an installation id) and is scoped to its user: two users may
// use the same id without meeting. Implementations: SqliteDeviceStore, RedisDeviceStore.

#include <cstdint>
#include <string>
#include <vector>

#include "core/async.hpp"

namespace muster::store {

struct DeviceInfo {
    std::string id;
    std::string user;
    std::string kind;                // webpush, unifiedpush, apns, fcm, hms or webhook
    std::string endpoint;            // webpush/unifiedpush/webhook: the URL to post to
    std::string p256dh;              // Web Push: the client's public key (base64url)
    std::string auth;                // Web Push: the client's auth secret (base64url)
    std::int64_t created_ms = 0;     // first registration; kept when the device is updated
    std::string token;               // apns, fcm, hms: the provider's device token
    std::string topic;               // apns: the app's bundle id
    std::string environment;         // apns: production | sandbox
    std::string secret;              // webhook: the HMAC-SHA256 key
    std::string locale;              // zh-CN | en; empty: zh-CN
    std::string timezone;            // IANA name; empty: UTC
    std::string quiet_start;         // "HH:MM" local; both empty: no quiet hours
    std::string quiet_end;           // "HH:MM" local
    std::vector<std::string> kinds;  // duty, reminder, meeting, chat, mention; empty: all but chat
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
    // The users with at least one device whose `kinds` names `kind`, each once, ascending. An
    // index kept beside the devices, for the kinds a device must ask for (chat): a feature finds
    // whom to push to without reading every device. It may name a user whose device stopped
    // listing the kind (Redis keeps it apart from the devices: a failed write between the two
    // leaves one entry too many, never one too few; only two registrations of one device with
    // different kinds, racing, can leave one missing until its next registration); the push
    // worker reads the devices themselves before it sends.
    virtual void users_listing_kind(std::string kind, Done<std::vector<std::string>> done) = 0;

    // Each user's devices (as devices_of gives them, or that user's own failure), in the order
    // of `users`, answered once for all. For the push worker's page of intents: the embedded
    // store reads the lot in one read transaction instead of one transaction each. By default
    // one devices_of per user, gathered (on Redis each user's keys may be on another node of a
    // cluster). `done` runs on the thread of the last answer.
    using DeviceLists = std::vector<Result<std::vector<DeviceInfo>>>;
    virtual void devices_of_users(std::vector<std::string> users, Done<DeviceLists> done);
};

}  // namespace muster::store
