#include "store/redis/redis_device_store.hpp"

#include "store/device_extra.hpp"
#include "store/redis/lua_call.hpp"

namespace muster::store {
namespace {

Status malformed(const char* what) {
    return {errc::internal, std::string("redis: unexpected reply to ") + what};
}

}  // namespace

void RedisDeviceStore::put(DevicePut request, Done<DevicePutResult> done) {
    DeviceInfo& device = request.device;
    lua::DevicePut::Keys keys{.devices_key = keys_.devices(device.user),
                              .device_key = keys_.device(device.user, device.id)};
    lua::DevicePut::Args args{.id = device.id,
                              .kind = device.kind,
                              .endpoint = device.endpoint,
                              .p256dh = device.p256dh,
                              .auth = device.auth,
                              .created_ms = device.created_ms,
                              .max_per_user = request.max_per_user,
                              .extra = encode_device_extra(device)};
    lua::run<lua::DevicePut>(
        client_, std::move(keys), std::move(args),
        [device = std::move(device), max = request.max_per_user,
         done = std::move(done)](Result<redis::Reply> reply) mutable {
            if (!reply) {
                done(reply.status());
                return;
            }
            std::int64_t fresh = 0;
            std::int64_t created = 0;
            if (!reply->is_array() || reply->elements.empty() ||
                !redis::as_integer(reply->elements[0], fresh)) {
                done(malformed("device put"));
                return;
            }
            if (fresh < 0) {
                done(Status(errc::too_large, "at most " + std::to_string(max) +
                                                 " devices per user: remove one first"));
                return;
            }
            if (reply->elements.size() < 2 || !redis::as_integer(reply->elements[1], created)) {
                done(malformed("device put"));
                return;
            }
            DevicePutResult result;
            result.device = std::move(device);
            result.device.created_ms = created;
            result.created = fresh == 1;
            done(std::move(result));
        });
}

void RedisDeviceStore::remove(std::string user, std::string id, Done<Unit> done) {
    lua::DeviceRemove::Keys keys{.devices_key = keys_.devices(user),
                                 .device_key = keys_.device(user, id)};
    lua::run<lua::DeviceRemove>(client_, std::move(keys), {.id = id},
                                [id, done = std::move(done)](Result<redis::Reply> reply) {
                                    std::int64_t removed = 0;
                                    if (!reply) {
                                        done(reply.status());
                                    } else if (!redis::as_integer(*reply, removed)) {
                                        done(malformed("device remove"));
                                    } else if (removed == 0) {
                                        done(Status(errc::not_found, "no such device: " + id));
                                    } else {
                                        done(Unit{});
                                    }
                                });
}

void RedisDeviceStore::devices_of(std::string user, Done<std::vector<DeviceInfo>> done) {
    lua::run<lua::DevicesList>(
        client_, {.devices_key = keys_.devices(user)}, {.device_prefix = keys_.device(user, "")},
        [user, done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            auto& items = reply->elements;
            if (!reply->is_array() || items.size() % 7 != 0) {
                done(malformed("devices list"));
                return;
            }
            std::vector<DeviceInfo> out;
            for (std::size_t i = 0; i < items.size(); i += 7) {
                DeviceInfo device;
                device.id = std::move(items[i].str);
                device.user = user;
                device.kind = std::move(items[i + 1].str);
                device.endpoint = std::move(items[i + 2].str);
                device.p256dh = std::move(items[i + 3].str);
                device.auth = std::move(items[i + 4].str);
                redis::as_integer(items[i + 5], device.created_ms);
                decode_device_extra(items[i + 6].str, device);
                out.push_back(std::move(device));
            }
            done(std::move(out));
        },
        true);
}

}  // namespace muster::store
