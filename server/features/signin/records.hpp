#pragma once
// What sign-in keeps: invitations (a link that lets people join a group) and device sessions
// (one signed-in device of a user, holding a refresh token). Plain values; the stores keep each
// record as one JSON document (encode/decode below, header-only so that the store backends,
// which the feature's library depends on, can use them) plus the columns or keys they find it
// by. Secrets: an invitation's code is kept (the QR code of the link is drawn again on
// request); a refresh token never is, only its SHA-256.

#include <cstdint>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/status.hpp"
#include "store/directory.hpp"

namespace muster::features::signin {

struct Invitation {
    std::string id;    // "iv_<ulid>": what the HTTP API names it by (not secret)
    std::string code;  // the secret in the link: 128 random bits, base64url
    std::string group;
    store::Role role = store::Role::member;  // what redeeming it makes you
    std::uint32_t max_uses = 1;
    std::uint32_t uses = 0;
    std::int64_t expires_at_ms = 0;
    std::int64_t created_ms = 0;
    std::string created_by;  // user id
    std::string note;        // for the coordinators ("重华 门岗志愿者")
    bool revoked = false;
};

// Earlier refresh tokens of a session kept for reuse detection (newest last). A token older
// than these is refused without revoking the session.
inline constexpr std::size_t rotated_hashes_kept = 32;

struct DeviceSession {
    std::string id;  // "ds_<ulid>": the `sid` claim of its access tokens
    std::string user;
    std::string device_name;
    std::int64_t created_ms = 0;
    std::int64_t last_seen_ms = 0;            // redeem, refresh, or a connection with its token
    std::string refresh_hash;                 // hex SHA-256 of the current refresh token
    std::vector<std::string> rotated_hashes;  // of earlier ones, newest last, bounded
    bool revoked = false;
    std::string revoked_reason;  // "revoked", "reuse" (a rotated token came back), "idle"
    std::int64_t revoked_ms = 0;
};

// ---- the stored form ---------------------------------------------------------------------------

inline std::string encode(const Invitation& i) {
    boost::json::object o{{"id", i.id},
                          {"code", i.code},
                          {"group", i.group},
                          {"role", std::string(store::role_name(i.role))},
                          {"max_uses", i.max_uses},
                          {"uses", i.uses},
                          {"expires_at_ms", i.expires_at_ms},
                          {"created_ms", i.created_ms},
                          {"created_by", i.created_by},
                          {"note", i.note},
                          {"revoked", i.revoked}};
    return boost::json::serialize(o);
}

inline std::string encode(const DeviceSession& s) {
    boost::json::array rotated;
    for (const auto& hash : s.rotated_hashes) rotated.emplace_back(hash);
    boost::json::object o{{"id", s.id},
                          {"user", s.user},
                          {"device_name", s.device_name},
                          {"created_ms", s.created_ms},
                          {"last_seen_ms", s.last_seen_ms},
                          {"refresh_hash", s.refresh_hash},
                          {"rotated", std::move(rotated)},
                          {"revoked", s.revoked},
                          {"revoked_reason", s.revoked_reason},
                          {"revoked_ms", s.revoked_ms}};
    return boost::json::serialize(o);
}

namespace detail {

inline std::string text(const boost::json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

inline std::int64_t number(const boost::json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr) return 0;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
    return 0;
}

inline bool flag(const boost::json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_bool() && v->as_bool();
}

inline Result<boost::json::object> parse(const std::string& json, const char* what) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(json, ec);
    if (ec || !v.is_object())
        return Status{errc::internal, std::string("stored ") + what + " does not parse"};
    return std::move(v.as_object());
}

}  // namespace detail

inline Result<Invitation> decode_invitation(const std::string& json) {
    auto o = detail::parse(json, "invitation");
    if (!o) return o.status();
    Invitation i;
    i.id = detail::text(*o, "id");
    i.code = detail::text(*o, "code");
    i.group = detail::text(*o, "group");
    if (!store::parse_role(detail::text(*o, "role"), i.role)) i.role = store::Role::member;
    i.max_uses = static_cast<std::uint32_t>(detail::number(*o, "max_uses"));
    i.uses = static_cast<std::uint32_t>(detail::number(*o, "uses"));
    i.expires_at_ms = detail::number(*o, "expires_at_ms");
    i.created_ms = detail::number(*o, "created_ms");
    i.created_by = detail::text(*o, "created_by");
    i.note = detail::text(*o, "note");
    i.revoked = detail::flag(*o, "revoked");
    return i;
}

inline Result<DeviceSession> decode_session(const std::string& json) {
    auto o = detail::parse(json, "session");
    if (!o) return o.status();
    DeviceSession s;
    s.id = detail::text(*o, "id");
    s.user = detail::text(*o, "user");
    s.device_name = detail::text(*o, "device_name");
    s.created_ms = detail::number(*o, "created_ms");
    s.last_seen_ms = detail::number(*o, "last_seen_ms");
    s.refresh_hash = detail::text(*o, "refresh_hash");
    if (const auto* r = o->if_contains("rotated"); r != nullptr && r->is_array()) {
        for (const auto& hash : r->as_array()) {
            if (hash.is_string()) s.rotated_hashes.emplace_back(hash.as_string());
        }
    }
    s.revoked = detail::flag(*o, "revoked");
    s.revoked_reason = detail::text(*o, "revoked_reason");
    s.revoked_ms = detail::number(*o, "revoked_ms");
    return s;
}

}  // namespace muster::features::signin
