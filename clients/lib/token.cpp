#include "muster/token.hpp"

#include <boost/json.hpp>

#include "core/jwt.hpp"

namespace muster::client {

std::string token_claims_json(const TokenSpec& spec, std::int64_t now_s) {
    boost::json::object claims;
    claims["sub"] = spec.user;
    claims["name"] = spec.name.empty() ? spec.user : spec.name;
    claims["exp"] = spec.expires_at_s ? *spec.expires_at_s : now_s + spec.ttl.count();
    boost::json::array roles(spec.roles.begin(), spec.roles.end());
    claims["roles"] = std::move(roles);
    boost::json::array groups(spec.groups.begin(), spec.groups.end());
    claims["groups"] = std::move(groups);
    return boost::json::serialize(claims);
}

std::string mint_token(const TokenSpec& spec, std::string_view secret) {
    // Wall-clock time: "exp" is compared with the server's wall clock.
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    return sign_hs256(token_claims_json(spec, now_s), secret);
}

}  // namespace muster::client
