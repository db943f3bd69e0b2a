// Invitations over HTTP: create, list, revoke, and the link as a QR code. Every route is for
// coordinators of the invitation's group (a coordinator of an ancestor counts) and admins.

#include <cstdlib>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/qr_code.hpp"
#include "core/secrets.hpp"
#include "features/signin/names.hpp"
#include "features/signin/rules.hpp"
#include "features/signin/signin_context.hpp"
#include "node/validate.hpp"

namespace muster::features::signin {

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using net::HttpResponse;
using node::error_response;
using node::HttpCall;

constexpr std::uint32_t max_uses_limit = 100000;
constexpr std::int64_t default_expires_s = 7 * 24 * 3600;
constexpr std::int64_t max_expires_s = 366 * 24 * 3600;
constexpr unsigned max_note_chars = 200;

std::string link_of(const node::NodeServices& services, const Invitation& invitation) {
    return services.public_url() + "/join/" + invitation.code;
}

// The invitation as the API shows it; the code and link only when `with_code`.
json::object view(const node::NodeServices& services, const Invitation& i, bool with_code) {
    json::object out{{"id", i.id},
                     {"group", i.group},
                     {"role", std::string(store::role_name(i.role))},
                     {"maxUses", i.max_uses},
                     {"uses", i.uses},
                     {"expiresAtMs", std::to_string(i.expires_at_ms)},
                     {"note", i.note},
                     {"createdBy", i.created_by},
                     {"createdAtMs", std::to_string(i.created_ms)},
                     {"revoked", i.revoked}};
    if (with_code) {
        out["code"] = i.code;
        out["url"] = link_of(services, i);
    }
    return out;
}

// A whole number member in [low, high], or `fallback` when absent.
Result<std::int64_t> number_field(const json::object& body, const char* name, std::int64_t low,
                                  std::int64_t high, std::int64_t fallback) {
    const auto* value = body.if_contains(name);
    if (value == nullptr || value->is_null()) return fallback;
    std::int64_t n = 0;
    if (value->is_int64()) {
        n = value->as_int64();
    } else if (value->is_uint64() && value->as_uint64() <= static_cast<std::uint64_t>(high)) {
        n = static_cast<std::int64_t>(value->as_uint64());
    } else if (value->is_string()) {
        // Canonical JSON writes 64-bit numbers as strings: accept them as strings too.
        const std::string text(value->as_string());
        char* end = nullptr;
        n = std::strtoll(text.c_str(), &end, 10);
        if (text.empty() || *end != '\0') n = low - 1;
    } else {
        n = low - 1;
    }
    if (n < low || n > high) {
        return Status{errc::invalid_argument, std::string(name) + " must be a whole number from " +
                                                  std::to_string(low) + " to " +
                                                  std::to_string(high)};
    }
    return n;
}

asio::awaitable<HttpResponse> create(SigninContext ctx, HttpCall& http) {
    auto& services = ctx.services;
    if (services.signer() == nullptr)
        co_return error_response({errc::unavailable, "sign-in is not configured"});
    auto body = json_body(http.request);
    if (!body) co_return error_response(body.status());
    auto group = string_field(*body, "group");
    auto role_text = string_field(*body, "role");
    auto note_text = string_field(*body, "note");
    for (const auto* r : {&group, &role_text, &note_text}) {
        if (!*r) co_return error_response(r->status());
    }
    if (Status s = node::check_id("group", *group, services.config().limits.max_id_bytes); !s)
        co_return error_response(s);
    store::Role role = store::Role::member;
    if (!role_text->empty() && (!store::parse_role(*role_text, role) || role == store::Role::none))
        co_return error_response({errc::invalid_argument, "role must be member or coordinator"});
    auto max_uses = number_field(*body, "maxUses", 1, max_uses_limit, 1);
    if (!max_uses) co_return error_response(max_uses.status());
    auto expires_in = number_field(*body, "expiresInS", 60, max_expires_s, default_expires_s);
    if (!expires_in) co_return error_response(expires_in.status());
    std::string note;
    if (!note_text->empty()) {
        std::string flat = *note_text;  // one line in lists
        for (char& c : flat) {
            if (c == '\n' || c == '\t' || c == '\r') c = ' ';
        }
        auto checked = check_name("备注", "note", flat, max_note_chars, false);
        if (!checked) co_return error_response(checked.status());
        note = std::move(*checked);
    }
    if (Status s =
            node::require_role(*services.tree(), *http.caller, *group, store::Role::coordinator);
        !s) {
        co_return error_response(s);
    }

    Invitation invitation;
    const std::int64_t now = services.clock().now_ms();
    invitation.id = new_id("iv_", now);
    invitation.code = random_secret(code_bytes);
    invitation.group = *group;
    invitation.role = role;
    invitation.max_uses = static_cast<std::uint32_t>(*max_uses);
    invitation.expires_at_ms = now + *expires_in * 1000;
    invitation.created_ms = now;
    invitation.created_by = http.caller->user();
    invitation.note = std::move(note);
    auto added = co_await co_call<Unit>(
        [&](Done<Unit> done) { ctx.store.add_invitation(invitation, std::move(done)); });
    if (!added) co_return error_response(added.status());
    MUSTER_LOG_INFO("signin") << "invitation " << invitation.id << " to " << invitation.group
                              << " (" << store::role_name(role) << ", " << invitation.max_uses
                              << " uses) created by " << invitation.created_by;
    co_return json_reply(201, json::object{{"invitation", view(services, invitation, true)}});
}

// The invitation named by the path, if the caller coordinates its group. Unknown ids are
// NOT_FOUND; known ones of other groups FORBIDDEN (ids are not secret; codes are).
asio::awaitable<Result<Invitation>> find_own(SigninContext& ctx, HttpCall& http) {
    auto invitation = co_await co_call<Invitation>(
        [&](Done<Invitation> done) { ctx.store.invitation(http.params[0], std::move(done)); });
    if (!invitation) co_return invitation.status();
    if (Status s = node::require_role(*ctx.services.tree(), *http.caller, invitation->group,
                                      store::Role::coordinator);
        !s) {
        if (s.code() == errc::not_found) s = {errc::forbidden, "not a coordinator of its group"};
        co_return s;
    }
    co_return invitation;
}

asio::awaitable<HttpResponse> list(SigninContext ctx, HttpCall& http) {
    const auto found = http.query.find("group");
    if (found == http.query.end() || found->second.empty())
        co_return error_response({errc::invalid_argument, "group is required (?group=G)"});
    const std::string group = found->second;
    if (Status s =
            node::require_role(*ctx.services.tree(), *http.caller, group, store::Role::coordinator);
        !s) {
        co_return error_response(s);
    }
    auto invitations =
        co_await co_call<std::vector<Invitation>>([&](Done<std::vector<Invitation>> done) {
            ctx.store.invitations_of(group, std::move(done));
        });
    if (!invitations) co_return error_response(invitations.status());
    json::array out;
    for (const auto& i : *invitations) {
        // Codes of one's own invitations only (and every one for admins).
        const bool with_code =
            i.created_by == http.caller->user() || http.caller->claims.is_admin();
        out.push_back(view(ctx.services, i, with_code));
    }
    co_return json_reply(200, json::object{{"invitations", std::move(out)}});
}

asio::awaitable<HttpResponse> revoke(SigninContext ctx, HttpCall& http) {
    auto invitation = co_await find_own(ctx, http);
    if (!invitation) co_return error_response(invitation.status());
    auto revoked = co_await co_call<Invitation>([&](Done<Invitation> done) {
        ctx.store.change_invitation(invitation->id, revoke_invitation, std::move(done));
    });
    if (!revoked) co_return error_response(revoked.status());
    MUSTER_LOG_INFO("signin") << "invitation " << invitation->id << " revoked by "
                              << http.caller->user();
    co_return HttpResponse{204, "application/json", "", {}};
}

asio::awaitable<HttpResponse> qr(SigninContext ctx, HttpCall& http) {
    auto invitation = co_await find_own(ctx, http);
    if (!invitation) co_return error_response(invitation.status());
    auto code = qr_encode(link_of(ctx.services, *invitation));
    if (!code) co_return error_response(code.status());
    // The link is a secret: no shared cache may keep it.
    co_return HttpResponse{200, "image/svg+xml", qr_svg(*code), {{"Cache-Control", "no-store"}}};
}

}  // namespace

void add_invitation_routes(const SigninContext& context, node::HttpRouter& routes) {
    using node::HttpAuth;
    routes.add("POST", "/api/v1/invitations", HttpAuth::bearer,
               [context](HttpCall& http) { return create(context, http); });
    routes.add("GET", "/api/v1/invitations", HttpAuth::bearer,
               [context](HttpCall& http) { return list(context, http); });
    routes.add("DELETE", "/api/v1/invitations/{}", HttpAuth::bearer,
               [context](HttpCall& http) { return revoke(context, http); });
    routes.add("GET", "/api/v1/invitations/{}/qr.svg", HttpAuth::bearer,
               [context](HttpCall& http) { return qr(context, http); });
}

}  // namespace muster::features::signin
