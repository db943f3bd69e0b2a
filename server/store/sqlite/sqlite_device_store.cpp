#include "store/sqlite/sqlite_device_store.hpp"

#include <stdexcept>
#include <string_view>

#include "store/device_extra.hpp"
#include "store/sqlite/sqlite_feature_schema.hpp"

namespace muster::store {
namespace {

const std::vector<std::string_view> migrations = {
    // 1: one row per (user, device).
    R"sql(
CREATE TABLE devices (
    user_id    TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    endpoint   TEXT NOT NULL,
    p256dh     TEXT NOT NULL DEFAULT '',
    auth       TEXT NOT NULL DEFAULT '',
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, device_id)
) WITHOUT ROWID;
)sql",
    // 2: provider tokens and preferences (store/device_extra.hpp), one JSON object.
    R"sql(
ALTER TABLE devices ADD COLUMN extra TEXT NOT NULL DEFAULT '';
)sql",
    // 3: the kinds each device lists, indexed (users_listing_kind); filled from what is stored.
    R"sql(
CREATE TABLE device_kinds (
    kind      TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    PRIMARY KEY (kind, user_id, device_id)
) WITHOUT ROWID;
CREATE INDEX device_kinds_by_device ON device_kinds (user_id, device_id);
INSERT OR IGNORE INTO device_kinds (kind, user_id, device_id)
    SELECT listed.value, devices.user_id, devices.device_id
    FROM devices, json_each(devices.extra, '$.kinds') AS listed
    WHERE json_valid(devices.extra) AND listed.type = 'text';
)sql",
};

// Replaces the kinds indexed for one device by those it lists now.
Status index_kinds(sqlite::Transaction& txn, const DeviceInfo& device) {
    auto clear = txn.prepare("DELETE FROM device_kinds WHERE user_id = ?1 AND device_id = ?2");
    if (!clear) return clear.status();
    clear->bind_text(1, device.user).bind_text(2, device.id);
    if (auto status = clear->run(); !status) return status;
    for (const auto& kind : device.kinds) {
        auto add = txn.prepare(
            "INSERT OR IGNORE INTO device_kinds (kind, user_id, device_id) VALUES (?1, ?2, ?3)");
        if (!add) return add.status();
        add->bind_text(1, kind).bind_text(2, device.user).bind_text(3, device.id);
        if (auto status = add->run(); !status) return status;
    }
    return ok_status();
}

constexpr const char* select_columns =
    "SELECT device_id, user_id, kind, endpoint, p256dh, auth, created_ms, extra FROM devices ";

DeviceInfo device_of(const sqlite::Statement& row) {
    DeviceInfo device;
    device.id = row.text(0);
    device.user = row.text(1);
    device.kind = row.text(2);
    device.endpoint = row.text(3);
    device.p256dh = row.text(4);
    device.auth = row.text(5);
    device.created_ms = row.int64(6);
    decode_device_extra(row.text(7), device);
    return device;
}

// A user's devices, ordered by id, inside the job's transaction.
Result<std::vector<DeviceInfo>> read_devices(sqlite::Transaction& txn, const std::string& user) {
    auto list = txn.prepare(std::string(select_columns) + "WHERE user_id = ?1 ORDER BY device_id");
    if (!list) return list.status();
    list->bind_text(1, user);
    std::vector<DeviceInfo> out;
    for (;;) {
        auto row = list->step();
        if (!row) return row.status();
        if (!*row) break;
        out.push_back(device_of(*list));
    }
    return out;
}

}  // namespace

SqliteDeviceStore::SqliteDeviceStore(sqlite::Database& db) : db_(db) {
    if (Status s = apply_feature_schema(db_, "devices", migrations); !s)
        throw std::runtime_error(s.message());
}

void SqliteDeviceStore::put(DevicePut request, Done<DevicePutResult> done) {
    auto job = [request = std::move(request), done](sqlite::Transaction& txn) -> Status {
        const DeviceInfo& device = request.device;
        DevicePutResult result;
        {
            auto existing =
                txn.prepare(std::string(select_columns) + "WHERE user_id = ?1 AND device_id = ?2");
            if (!existing) return existing.status();
            existing->bind_text(1, device.user).bind_text(2, device.id);
            auto row = existing->step();
            if (!row) return row.status();
            result.created = !*row;
            result.device = device;
            if (*row) result.device.created_ms = existing->int64(6);
        }
        if (result.created && request.max_per_user > 0) {
            auto count = txn.prepare("SELECT COUNT(*) FROM devices WHERE user_id = ?1");
            if (!count) return count.status();
            count->bind_text(1, device.user);
            auto row = count->step();
            if (!row) return row.status();
            if (*row && count->int64(0) >= request.max_per_user) {
                return {errc::too_large, "at most " + std::to_string(request.max_per_user) +
                                             " devices per user: remove one first"};
            }
        }
        auto upsert = txn.prepare(
            "INSERT INTO devices (user_id, device_id, kind, endpoint, p256dh, auth, created_ms, "
            "extra) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (user_id, device_id) DO "
            "UPDATE SET kind = excluded.kind, endpoint = excluded.endpoint, "
            "p256dh = excluded.p256dh, auth = excluded.auth, extra = excluded.extra");
        if (!upsert) return upsert.status();
        upsert->bind_text(1, device.user)
            .bind_text(2, device.id)
            .bind_text(3, device.kind)
            .bind_text(4, device.endpoint)
            .bind_text(5, device.p256dh)
            .bind_text(6, device.auth)
            .bind_int(7, result.device.created_ms)
            .bind_text(8, encode_device_extra(device));
        if (auto status = upsert->run(); !status) return status;
        if (auto status = index_kinds(txn, device); !status) return status;
        txn.after_commit([done, result = std::move(result)]() mutable { done(std::move(result)); });
        return ok_status();
    };
    db_.write(std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); });
}

void SqliteDeviceStore::remove(std::string user, std::string id, Done<Unit> done) {
    auto job = [user = std::move(user), id = std::move(id),
                done](sqlite::Transaction& txn) -> Status {
        auto erase = txn.prepare("DELETE FROM devices WHERE user_id = ?1 AND device_id = ?2");
        if (!erase) return erase.status();
        erase->bind_text(1, user).bind_text(2, id);
        if (auto status = erase->run(); !status) return status;
        if (txn.db().changes() == 0) return {errc::not_found, "no such device: " + id};
        DeviceInfo gone;
        gone.user = user;
        gone.id = id;
        if (auto status = index_kinds(txn, gone); !status) return status;
        txn.after_commit([done] { done(Unit{}); });
        return ok_status();
    };
    db_.write(std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); });
}

void SqliteDeviceStore::devices_of(std::string user, Done<std::vector<DeviceInfo>> done) {
    auto job = [user = std::move(user), done](sqlite::Transaction& txn) -> Status {
        auto devices = read_devices(txn, user);
        if (!devices) return devices.status();
        txn.after_commit([done, out = std::move(*devices)]() mutable { done(std::move(out)); });
        return ok_status();
    };
    db_.read(std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); });
}

void SqliteDeviceStore::users_listing_kind(std::string kind, Done<std::vector<std::string>> done) {
    auto job = [kind = std::move(kind), done](sqlite::Transaction& txn) -> Status {
        auto list = txn.prepare(
            "SELECT DISTINCT user_id FROM device_kinds WHERE kind = ?1 ORDER BY user_id");
        if (!list) return list.status();
        list->bind_text(1, kind);
        std::vector<std::string> users;
        for (;;) {
            auto row = list->step();
            if (!row) return row.status();
            if (!*row) break;
            users.push_back(list->text(0));
        }
        txn.after_commit([done, users = std::move(users)]() mutable { done(std::move(users)); });
        return ok_status();
    };
    db_.read(std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); });
}

void SqliteDeviceStore::devices_of_users(std::vector<std::string> users, Done<DeviceLists> done) {
    auto job = [users = std::move(users), done](sqlite::Transaction& txn) -> Status {
        DeviceLists lists;
        lists.reserve(users.size());
        for (const auto& user : users) {
            auto devices = read_devices(txn, user);
            if (!devices) return devices.status();
            lists.emplace_back(std::move(*devices));
        }
        txn.after_commit([done, lists = std::move(lists)]() mutable { done(std::move(lists)); });
        return ok_status();
    };
    db_.read(std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); });
}

}  // namespace muster::store
