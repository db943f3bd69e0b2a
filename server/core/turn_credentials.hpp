#pragma once
// Time-limited TURN credentials in the "TURN REST API" convention (draft-uberti-behave-turn-rest),
// which coturn checks with `use-auth-secret` / `static-auth-secret`: the username is
// "<expiry, Unix seconds>:<user>" and the password base64(HMAC-SHA1(secret, username)). coturn
// recomputes the HMAC and refuses a username whose expiry has passed, so the server hands them
// out without telling coturn anything. Pure and thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

namespace muster {

struct TurnCredentials {
    std::string username;    // "<expiry_s>:<user>"
    std::string credential;  // standard base64 (with padding) of the 20-byte HMAC-SHA1
};

TurnCredentials turn_credentials(std::string_view secret, std::string_view user,
                                 std::int64_t expiry_s);

}  // namespace muster
