// Signing in with an invitation, keeping a device signed in, and the list of a user's devices.
//
// Refresh tokens are "<session id>.<256 random bits, base64url>": the session id finds the
// record, and only SHA-256 of the whole token is stored. Nothing here logs a code or a token.

#include <optional>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/secrets.hpp"
#include "features/signin/names.hpp"
#include "features/signin/rules.hpp"
#include "features/signin/signin_context.hpp"

namespace muster::features::signin {

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using net::HttpResponse;
using node::error_response;
using node::HttpCall;

constexpr unsigned max_device_name_chars = 64;
constexpr std::size_t max_code_chars = 64;
constexpr std::size_t max_refresh_chars = 160;

bool url_safe(std::string_view text) {
    for (char c : text) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

std::string new_refresh_token(const std::string& session) {
    return session + '.' + random_secret(refresh_bytes);
}

Status unknown_code() {
    return {errc::not_found, unknown_code_message};
}

// ---- POST /api/v1/auth/redeem ---------------------------------------------------------------

asio::awaitable<HttpResponse> redeem(SigninContext ctx, HttpCall& http) {
    auto& services = ctx.services;
    if (services.signer() == nullptr)
        co_return error_response({errc::unavailable, "sign-in is not configured"});
    const std::string& address = http.request.remote_address;
    const std::int64_t now = services.clock().now_ms();
    if (const auto wait = ctx.redeem_failures.wait_s(address, now); wait > 0)
        co_return too_many(wait, "failed sign-ins");

    auto body = json_body(http.request);
    if (!body) co_return error_response(body.status());
    auto code = string_field(*body, "code");
    auto name_text = string_field(*body, "name");
    auto device_text = string_field(*body, "deviceName");
    for (const auto* r : {&code, &name_text, &device_text}) {
        if (!*r) co_return error_response(r->status());
    }

    // Someone signed in already joins with the same user (the route's Bearer is optional: the
    // router checked it when one was sent).
    const std::optional<node::Caller>& caller = http.caller;
    std::string name;
    if (!caller) {
        auto checked =
            check_name("名字", "name", *name_text, services.config().auth.max_name_chars, true);
        if (!checked) co_return error_response(checked.status());
        name = std::move(*checked);
    }
    auto device = check_name("设备名", "deviceName", *device_text, max_device_name_chars, false);
    if (!device) co_return error_response(device.status());

    DeviceSession session;
    session.id = new_id("ds_", now);
    session.user = caller ? caller->user() : new_id("u_", now);
    session.device_name = std::move(*device);
    session.created_ms = now;
    session.last_seen_ms = now;
    const std::string refresh = new_refresh_token(session.id);
    session.refresh_hash = sha256_hex(refresh);

    Result<Invitation> used = unknown_code();
    if (!code->empty() && code->size() <= max_code_chars && url_safe(*code)) {
        used = co_await co_call<Invitation>([&](Done<Invitation> done) {
            ctx.store.redeem(*code, use_invitation, session, std::move(done));
        });
    }
    if (!used) {
        if (used.status().code() == errc::not_found) {
            ctx.redeem_failures.take(address, now);
            co_return error_response(unknown_code());
        }
        co_return error_response(used.status());
    }

    // The membership: never a lower role than the user has in the group already.
    const store::Role had = [&] {
        if (!caller) return store::Role::none;
        const auto found = caller->memberships->find(used->group);
        return found == caller->memberships->end() ? store::Role::none : found->second;
    }();
    if (had < used->role) {
        auto joined = co_await co_call<Unit>([&](Done<Unit> done) {
            services.store().directory().put_member(used->group, session.user, used->role, name,
                                                    std::move(done));
        });
        if (!joined) co_return error_response(joined.status());
        auto heard = co_await co_call<Unit>(
            [&](Done<Unit> done) { services.memberships_changed(session.user, std::move(done)); });
        if (!heard) co_return error_response(heard.status());
    }
    if (!caller) services.store().directory().remember_user(session.user, name);
    const std::string display = caller ? caller->name() : name;
    MUSTER_LOG_INFO("signin") << "invitation " << used->id << " redeemed: user " << session.user
                              << (caller ? " (existing)" : " (new)") << ", session " << session.id;

    const AccessToken access = issue_access(services, session.user, display, session.id);
    co_return json_reply(201, json::object{{"userId", session.user},
                                           {"sessionId", session.id},
                                           {"accessToken", access.token},
                                           {"refreshToken", refresh},
                                           {"expiresAtMs", std::to_string(access.expires_at_ms)}});
}

// ---- POST /api/v1/auth/refresh --------------------------------------------------------------

asio::awaitable<HttpResponse> refresh(SigninContext ctx, HttpCall& http) {
    auto& services = ctx.services;
    if (services.signer() == nullptr)
        co_return error_response({errc::unavailable, "sign-in is not configured"});
    const std::int64_t now = services.clock().now_ms();
    if (const auto wait = ctx.refreshes.take(http.request.remote_address, now); wait > 0)
        co_return too_many(wait, "refreshes");
    auto body = json_body(http.request);
    if (!body) co_return error_response(body.status());
    auto presented = string_field(*body, "refreshToken");
    if (!presented) co_return error_response(presented.status());
    const Status refused{errc::unauthenticated, "refresh token not accepted"};
    const auto dot = presented->find('.');
    if (presented->size() > max_refresh_chars || dot == std::string::npos || dot == 0)
        co_return error_response(refused);
    const std::string session_id = presented->substr(0, dot);
    const std::string next = new_refresh_token(session_id);
    const RefreshAsk ask{sha256_hex(*presented), sha256_hex(next),
                         static_cast<std::int64_t>(services.config().auth.session_idle_s) * 1000};
    auto session = co_await co_call<DeviceSession>([&](Done<DeviceSession> done) {
        ctx.store.change_session(
            session_id,
            [ask](DeviceSession& s, std::int64_t at) { return rotate_refresh(s, ask, at); },
            std::move(done));
    });
    if (!session) {
        co_return error_response(session.status().code() == errc::not_found ? refused
                                                                            : session.status());
    }
    if (session->revoked) {
        // A rotated token came back (or the session idled out): whoever holds the newest one
        // is cut off too, on every node.
        services.session_revoked(session->user, session->id);
        MUSTER_LOG_WARN("signin") << "session " << session->id << " of " << session->user
                                  << " revoked: " << session->revoked_reason;
        co_return error_response(
            {errc::unauthenticated, session->revoked_reason == "reuse"
                                        ? "this refresh token was already used: the session is "
                                          "revoked, sign in again"
                                        : "the session has ended: sign in again"});
    }
    auto profile = co_await co_call<store::UserProfile>([&](Done<store::UserProfile> done) {
        services.store().directory().profile_of(session->user, std::move(done));
    });
    if (!profile) co_return error_response(profile.status());
    const std::string name = profile->name.empty() ? session->user : profile->name;
    const AccessToken access = issue_access(services, session->user, name, session->id);
    co_return json_reply(200, json::object{{"accessToken", access.token},
                                           {"refreshToken", next},
                                           {"expiresAtMs", std::to_string(access.expires_at_ms)}});
}

// ---- sessions -------------------------------------------------------------------------------

asio::awaitable<HttpResponse> list_sessions(SigninContext ctx, HttpCall& http) {
    const auto found = http.query.find("user");
    const std::string user =
        found == http.query.end() || found->second.empty() ? http.caller->user() : found->second;
    auto allowed = co_await may_manage(ctx.services, *http.caller, user);
    if (!allowed) co_return error_response(allowed.status());
    if (!*allowed)
        co_return error_response({errc::forbidden,
                                  "only the user, admins and coordinators of "
                                  "the user's groups see their devices"});
    auto sessions =
        co_await co_call<std::vector<DeviceSession>>([&](Done<std::vector<DeviceSession>> done) {
            ctx.store.sessions_of(user, std::move(done));
        });
    if (!sessions) co_return error_response(sessions.status());
    json::array out;
    for (const auto& s : *sessions) {
        if (s.revoked) continue;
        out.push_back(json::object{{"id", s.id},
                                   {"user", s.user},
                                   {"deviceName", s.device_name},
                                   {"createdAtMs", std::to_string(s.created_ms)},
                                   {"lastSeenMs", std::to_string(s.last_seen_ms)},
                                   {"current", s.id == http.caller->claims.session_id}});
    }
    co_return json_reply(200, json::object{{"sessions", std::move(out)}});
}

asio::awaitable<HttpResponse> revoke(SigninContext ctx, HttpCall& http) {
    // Someone who may not manage the session hears what an unknown id gets: no oracle.
    const Status unknown{errc::not_found, "no such session"};
    auto session = co_await co_call<DeviceSession>(
        [&](Done<DeviceSession> done) { ctx.store.session(http.params[0], std::move(done)); });
    if (!session) {
        co_return error_response(session.status().code() == errc::not_found ? unknown
                                                                            : session.status());
    }
    auto allowed = co_await may_manage(ctx.services, *http.caller, session->user);
    if (!allowed) co_return error_response(allowed.status());
    if (!*allowed) co_return error_response(unknown);
    auto revoked = co_await co_call<DeviceSession>([&](Done<DeviceSession> done) {
        ctx.store.change_session(session->id, revoke_session, std::move(done));
    });
    if (!revoked) co_return error_response(revoked.status());
    ctx.services.session_revoked(session->user, session->id);
    MUSTER_LOG_INFO("signin") << "session " << session->id << " of " << session->user
                              << " revoked by " << http.caller->user();
    co_return HttpResponse{204, "application/json", "", {}};
}

}  // namespace

void add_auth_routes(const SigninContext& context, node::HttpRouter& routes) {
    using node::HttpAuth;
    routes.add("POST", "/api/v1/auth/redeem", HttpAuth::bearer_optional,
               [context](HttpCall& http) { return redeem(context, http); });
    routes.add("POST", "/api/v1/auth/refresh", HttpAuth::none,
               [context](HttpCall& http) { return refresh(context, http); });
    routes.add("GET", "/api/v1/auth/sessions", HttpAuth::bearer,
               [context](HttpCall& http) { return list_sessions(context, http); });
    routes.add("DELETE", "/api/v1/auth/sessions/{}", HttpAuth::bearer,
               [context](HttpCall& http) { return revoke(context, http); });
}

}  // namespace muster::features::signin
