#pragma once
// HS256 tokens with the claims musterd reads (docs/PROTOCOL.md, "Tokens"), for muster-cli and
// the integration tests. Production tokens come from an identity provider.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace muster::client {

struct TokenSpec {
    std::string user;                          // "sub"
    std::string name;                          // "name"; empty = the user id
    std::vector<std::string> roles;            // "roles": "admin" manages groups
    std::vector<std::string> groups;           // "groups": extra groups the user may subscribe to
    std::chrono::seconds ttl{86400};           // "exp" = now + ttl ...
    std::optional<std::int64_t> expires_at_s;  // ... unless this is set (expired-token tests)
};

// The claims object as JSON, `now_s` being the current Unix time in seconds.
std::string token_claims_json(const TokenSpec& spec, std::int64_t now_s);

std::string mint_token(const TokenSpec& spec, std::string_view secret);

}  // namespace muster::client
