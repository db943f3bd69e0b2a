#pragma once
// What the sign-in routes share (features/signin/*_routes.cpp): the node, the store, the
// limiters, and the small helpers every route uses. Internal to the feature.

#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "features/signin/address_limiter.hpp"
#include "features/signin/signin_store.hpp"
#include "net/http.hpp"
#include "node/http_router.hpp"
#include "node/services.hpp"

namespace muster::features::signin {

struct SigninContext {
    node::NodeServices& services;
    SigninStore& store;
    AddressLimiter& redeem_failures;
    AddressLimiter& refreshes;
};

// The request body as a JSON object; INVALID_ARGUMENT otherwise.
Result<boost::json::object> json_body(const net::HttpRequest& request);
// A string member ("" when absent); INVALID_ARGUMENT when present and not a string.
Result<std::string> string_field(const boost::json::object& body, const char* name);

net::HttpResponse json_reply(unsigned status, const boost::json::object& body);
// 429 with Retry-After (seconds).
net::HttpResponse too_many(std::int64_t retry_after_s, const char* what);

// An access token for the session: claims sub, name, sid, iat, exp (auth.access_ttl_s).
struct AccessToken {
    std::string token;
    std::int64_t expires_at_ms = 0;
};
AccessToken issue_access(const node::NodeServices& services, const std::string& user,
                         const std::string& name, const std::string& session);

// Whether `caller` may see and revoke `user`'s sessions: the user, an admin, or a coordinator
// of a group the user is a member of (a coordinator of an ancestor counts).
boost::asio::awaitable<Result<bool>> may_manage(node::NodeServices& services,
                                                const node::Caller& caller,
                                                const std::string& user);

void add_invitation_routes(const SigninContext& context, node::HttpRouter& routes);
void add_auth_routes(const SigninContext& context, node::HttpRouter& routes);

}  // namespace muster::features::signin
