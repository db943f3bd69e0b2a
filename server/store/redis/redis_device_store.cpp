#include "store/redis/redis_device_store.hpp"

#include <algorithm>
#include <string_view>
#include <utility>

#include "store/device_extra.hpp"
#include "store/redis/lua_call.hpp"

namespace muster::store {
namespace {

Status malformed(const char* what) {
    return {errc::internal, std::string("redis: unexpected reply to ") + what};
}

}  // namespace

void RedisDeviceStore::put(DevicePut request, Done<DevicePutResult> done) {
    // Listed kinds are indexed before the device is written and unlisted ones dropped after:
    // a failure between the two leaves an entry too many, never one missing.
    std::vector<std::string> listed =
        index_members(request.device.kinds, request.device.user, request.device.id);
    auto write = [this, request = std::move(request), listed,
                  done = std::move(done)](const Result<redis::Reply>& indexed) mutable {
        if (!indexed) {
            done(indexed.status());
            return;
        }
        write_device(std::move(request), std::move(listed), std::move(done));
    };
    if (listed.empty()) {
        write(redis::Reply{});
        return;
    }
    std::vector<std::string> zadd{"ZADD", keys_.device_kinds()};
    for (const auto& member : listed) {
        zadd.emplace_back("0");
        zadd.push_back(member);
    }
    client_.command(std::move(zadd), std::move(write));
}

void RedisDeviceStore::write_device(DevicePut request, std::vector<std::string> listed,
                                    Done<DevicePutResult> done) {
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
        [this, device = std::move(device), listed = std::move(listed), max = request.max_per_user,
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
                // No device was written: nothing may stay listed for it.
                unindex(std::move(listed), [max, done = std::move(done)] {
                    done(Status(errc::too_large, "at most " + std::to_string(max) +
                                                     " devices per user: remove one first"));
                });
                return;
            }
            if (reply->elements.size() < 3 || !redis::as_integer(reply->elements[1], created)) {
                done(malformed("device put"));
                return;
            }
            DeviceInfo before;
            decode_device_extra(reply->elements[2].str, before);
            std::vector<std::string> dropped;
            for (const auto& kind : before.kinds) {
                if (std::find(device.kinds.begin(), device.kinds.end(), kind) == device.kinds.end())
                    dropped.push_back(index_member(kind, device.user, device.id));
            }
            DevicePutResult result;
            result.device = std::move(device);
            result.device.created_ms = created;
            result.created = fresh == 1;
            unindex(std::move(dropped),
                    [result = std::move(result), done = std::move(done)]() mutable {
                        done(std::move(result));
                    });
        });
}

void RedisDeviceStore::remove(std::string user, std::string id, Done<Unit> done) {
    lua::DeviceRemove::Keys keys{.devices_key = keys_.devices(user),
                                 .device_key = keys_.device(user, id)};
    lua::run<lua::DeviceRemove>(
        client_, std::move(keys), {.id = id},
        [this, user, id, done = std::move(done)](Result<redis::Reply> reply) {
            std::int64_t removed = 0;
            if (!reply) {
                done(reply.status());
                return;
            }
            if (!reply->is_array() || reply->elements.empty() ||
                !redis::as_integer(reply->elements[0], removed)) {
                done(malformed("device remove"));
                return;
            }
            if (removed == 0) {
                done(Status(errc::not_found, "no such device: " + id));
                return;
            }
            DeviceInfo before;
            if (reply->elements.size() > 1) decode_device_extra(reply->elements[1].str, before);
            unindex(index_members(before.kinds, user, id), [done] { done(Unit{}); });
        });
}

void RedisDeviceStore::users_listing_kind(std::string kind, Done<std::vector<std::string>> done) {
    // The members "<kind>\n<user>\n<device>" of one kind, in lex order, so by user.
    const std::string prefix = kind + '\n';
    client_.command({"ZRANGE", keys_.device_kinds(), "[" + prefix, "(" + kind + '\x0b', "BYLEX"},
                    [prefix, done = std::move(done)](Result<redis::Reply> reply) {
                        if (!reply) {
                            done(reply.status());
                            return;
                        }
                        if (!reply->is_array()) {
                            done(malformed("device kinds"));
                            return;
                        }
                        std::vector<std::string> users;
                        for (const auto& item : reply->elements) {
                            const std::string_view rest =
                                std::string_view(item.str).substr(prefix.size());
                            const std::string_view user = rest.substr(0, rest.find('\n'));
                            if (users.empty() || users.back() != user) users.emplace_back(user);
                        }
                        done(std::move(users));
                    });
}

std::string RedisDeviceStore::index_member(const std::string& kind, const std::string& user,
                                           const std::string& id) {
    return kind + '\n' + user + '\n' + id;
}

std::vector<std::string> RedisDeviceStore::index_members(const std::vector<std::string>& kinds,
                                                         const std::string& user,
                                                         const std::string& id) {
    std::vector<std::string> out;
    out.reserve(kinds.size());
    for (const auto& kind : kinds) out.push_back(index_member(kind, user, id));
    return out;
}

void RedisDeviceStore::unindex(std::vector<std::string> members, std::function<void()> then) {
    if (members.empty()) {
        then();
        return;
    }
    std::vector<std::string> zrem{"ZREM", keys_.device_kinds()};
    for (auto& member : members) zrem.push_back(std::move(member));
    // A failure leaves entries too many, which the contract allows: the answer stands.
    client_.command(std::move(zrem),
                    [then = std::move(then)](const Result<redis::Reply>&) { then(); });
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
