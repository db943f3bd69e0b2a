#pragma once
// The server's half of the WebSocket opening handshake (RFC 6455 §4.2), independent of the
// HTTP parser: checks the request's headers, picks a subprotocol, and writes the 101 response.

#include <span>
#include <string>
#include <string_view>

namespace muster::net {

struct UpgradeRequest {
    std::string_view method;
    std::string_view upgrade;     // "Upgrade" header
    std::string_view connection;  // "Connection" header
    std::string_view key;         // "Sec-WebSocket-Key"
    std::string_view version;     // "Sec-WebSocket-Version"
    std::string_view protocols;   // "Sec-WebSocket-Protocol", comma-separated, may be empty
};

struct UpgradeDecision {
    bool accepted = false;
    std::string error;     // why not (for a 400 response)
    std::string protocol;  // the chosen subprotocol; empty when the client offered none we speak
    std::string response;  // the complete "HTTP/1.1 101 Switching Protocols" response
};

// `supported` in order of preference. A client that offers subprotocols of which none is
// supported is refused (it would not understand the frames); one that offers none is accepted
// with protocol "".
UpgradeDecision decide_upgrade(const UpgradeRequest& request,
                               std::span<const std::string_view> supported);

// base64(SHA-1(key + the RFC 6455 GUID)).
std::string websocket_accept_key(std::string_view key);

}  // namespace muster::net
