#include "features/signin/signin_feature.hpp"

#include "core/log.hpp"
#include "features/signin/rules.hpp"
#include "features/signin/signin_context.hpp"

namespace muster::features::signin {

namespace asio = boost::asio;
namespace json = boost::json;

// ---- helpers shared by the routes ---------------------------------------------------------------

Result<json::object> json_body(const net::HttpRequest& request) {
    boost::system::error_code ec;
    json::value value = json::parse(request.body.empty() ? "{}" : request.body, ec);
    if (ec || !value.is_object()) {
        return Status{errc::invalid_argument, "the body must be a JSON object"};
    }
    return std::move(value.as_object());
}

Result<std::string> string_field(const json::object& body, const char* name) {
    const auto* value = body.if_contains(name);
    if (value == nullptr || value->is_null()) return std::string();
    if (!value->is_string()) {
        return Status{errc::invalid_argument, std::string(name) + " must be a string"};
    }
    return std::string(value->as_string());
}

net::HttpResponse json_reply(unsigned status, const json::object& body) {
    return net::HttpResponse{status, "application/json", json::serialize(body), {}};
}

net::HttpResponse too_many(std::int64_t retry_after_s, const char* what) {
    net::HttpResponse response = node::error_response(
        {errc::rate_limited, std::string("too many ") + what + " from this address: retry in " +
                                 std::to_string(retry_after_s) + " s"});
    response.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
    return response;
}

AccessToken issue_access(const node::NodeServices& services, const std::string& user,
                         const std::string& name, const std::string& session) {
    const std::int64_t now_s = services.clock().now_ms() / 1000;
    const std::int64_t exp_s = now_s + services.config().auth.access_ttl_s;
    const json::object claims{{"sub", user},  {"name", name}, {"sid", session},
                              {"iat", now_s}, {"exp", exp_s}, {"iss", "muster"}};
    return AccessToken{services.signer()->sign(json::serialize(claims)), exp_s * 1000};
}

asio::awaitable<Result<bool>> may_manage(node::NodeServices& services, const node::Caller& caller,
                                         const std::string& user) {
    if (caller.user() == user || caller.claims.is_admin()) co_return true;
    auto memberships = co_await co_call<std::vector<store::Membership>>(
        [&](Done<std::vector<store::Membership>> done) {
            services.store().directory().memberships_of(user, std::move(done));
        });
    if (!memberships) co_return memberships.status();
    const node::SharedTree tree = services.tree();
    for (const auto& m : *memberships) {
        if (node::effective_role(*tree, caller, m.group) == store::Role::coordinator)
            co_return true;
    }
    co_return false;
}

// ---- the feature
// ----------------------------------------------------------------------------------

void SigninFeature::install(node::NodeServices& services, node::CommandRegistry& /*commands*/,
                            node::HttpRouter& routes) {
    const auto& auth = services.config().auth;
    redeem_failures_ = std::make_unique<AddressLimiter>(auth.redeem_failures_per_minute);
    refreshes_ = std::make_unique<AddressLimiter>(auth.refresh_per_minute);
    if (services.signer() == nullptr) {
        MUSTER_LOG_WARN("signin") << "no auth.jwt_secret nor auth.signing_key_file: sign-in by "
                                     "invitation answers 503";
    }

    SigninStore* store = &store_;
    node::NodeServices* s = &services;
    services.set_session_check([store, s](Claims claims) -> asio::awaitable<Status> {
        auto session = co_await co_call<DeviceSession>(
            [&](Done<DeviceSession> done) { store->session(claims.session_id, std::move(done)); });
        if (!session) {
            if (session.status().code() == errc::not_found)
                co_return Status{errc::unauthenticated, "no such session"};
            co_return session.status();
        }
        if (session->user != claims.subject)
            co_return Status{errc::unauthenticated, "no such session"};
        if (session->revoked) co_return Status{errc::unauthenticated, "session revoked"};
        if (s->clock().now_ms() - session->last_seen_ms >= 60'000) {
            // Last seen: noted in the background (the rule writes at most once a minute).
            store->change_session(claims.session_id, touch_session,
                                  [](const Result<DeviceSession>&) {});
        }
        co_return ok_status();
    });

    const SigninContext context{services, store_, *redeem_failures_, *refreshes_};
    add_invitation_routes(context, routes);
    add_auth_routes(context, routes);
}

}  // namespace muster::features::signin
