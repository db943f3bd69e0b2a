#include "net/ws_handshake.hpp"

#include <algorithm>
#include <cctype>

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace muster::net {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Whether a comma-separated header value contains `token` (case-insensitive).
bool has_token(std::string_view list, std::string_view token) {
    while (!list.empty()) {
        const auto comma = list.find(',');
        if (iequals(trim(list.substr(0, comma)), token)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

}  // namespace

std::string websocket_accept_key(std::string_view key) {
    static constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    std::string input(key);
    input.append(guid);
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
    std::string out(4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1, '\0');
    const int n =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest, SHA_DIGEST_LENGTH);
    out.resize(static_cast<std::size_t>(n));
    return out;
}

UpgradeDecision decide_upgrade(const UpgradeRequest& request,
                               std::span<const std::string_view> supported) {
    UpgradeDecision decision;
    if (request.method != "GET") {
        decision.error = "WebSocket upgrade must be a GET";
    } else if (!has_token(request.upgrade, "websocket")) {
        decision.error = "Upgrade: websocket required";
    } else if (!has_token(request.connection, "upgrade")) {
        decision.error = "Connection: Upgrade required";
    } else if (request.version != "13") {
        decision.error = "Sec-WebSocket-Version must be 13";
    } else if (trim(request.key).size() != 24) {  // base64 of 16 bytes
        decision.error = "Sec-WebSocket-Key missing or malformed";
    }
    if (!decision.error.empty()) return decision;

    if (!trim(request.protocols).empty()) {
        for (std::string_view candidate : supported) {
            if (has_token(request.protocols, candidate)) {
                decision.protocol = std::string(candidate);
                break;
            }
        }
        if (decision.protocol.empty()) {
            decision.error = "no supported subprotocol offered (muster.v1.proto, muster.v1.json)";
            return decision;
        }
    }
    decision.accepted = true;
    decision.response =
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " +
        websocket_accept_key(trim(request.key)) + "\r\n";
    if (!decision.protocol.empty())
        decision.response += "Sec-WebSocket-Protocol: " + decision.protocol + "\r\n";
    decision.response += "\r\n";
    return decision;
}

}  // namespace muster::net
