#pragma once
// Where Redis is: redis.url parsed once at start-up.
//
//   redis://[[user]:password@]host[:port][/db]     (port 6379, db 0 by default)
//
// hiredis 0.14 has no TLS, so rediss:// is refused rather than silently sent in clear text.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace muster::redis {

struct Endpoint {
    std::string host;
    std::uint16_t port = 6379;
    std::uint32_t db = 0;
    std::string user;      // Redis 6 ACL user; empty = the default user
    std::string password;  // empty = no AUTH

    // "host:port/db" without credentials, for logs.
    [[nodiscard]] std::string describe() const;
};

// INVALID_ARGUMENT naming what is wrong with `url`.
Result<Endpoint> parse_endpoint(std::string_view url);

}  // namespace muster::redis
