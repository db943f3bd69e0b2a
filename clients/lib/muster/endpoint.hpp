#pragma once
// Where to connect: muster-cli takes `ws://host:port/ws`, `http://host:port` or `host:port`.

#include <cstdint>
#include <string>
#include <string_view>

#include "muster/outcome.hpp"

namespace muster::client {

struct Endpoint {
    std::string scheme;  // "ws", "http", ... or empty when none was given
    std::string host;    // without brackets for IPv6 literals
    std::uint16_t port = 0;
    std::string target;  // path (and query); `default_target` when none was given

    // "host:port" (IPv6 hosts in brackets).
    [[nodiscard]] std::string authority() const;
};

// A scheme without a port means 80 (ws, http) or 443 (wss, https); no scheme needs a port.
// TLS schemes parse, but this client speaks plain TCP only.
Outcome<Endpoint> parse_endpoint(std::string_view text, std::string_view default_target = "/ws");

}  // namespace muster::client
