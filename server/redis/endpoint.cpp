#include "redis/endpoint.hpp"

#include <charconv>

namespace muster::redis {
namespace {

Status bad(std::string_view url, const std::string& why) {
    return {errc::invalid_argument, "redis.url '" + std::string(url) + "': " + why};
}

template <class Int>
bool parse_number(std::string_view text, Int& out) {
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc{} && ptr == end && !text.empty();
}

}  // namespace

std::string Endpoint::describe() const {
    return host + ":" + std::to_string(port) + "/" + std::to_string(db);
}

Result<Endpoint> parse_endpoint(std::string_view url) {
    constexpr std::string_view scheme = "redis://";
    if (url.starts_with("rediss://")) return bad(url, "TLS is not supported by this build");
    if (!url.starts_with(scheme)) return bad(url, "must start with redis://");
    std::string_view rest = url.substr(scheme.size());

    Endpoint endpoint;
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
        const std::string_view credentials = rest.substr(0, at);
        rest = rest.substr(at + 1);
        if (const auto colon = credentials.find(':'); colon != std::string_view::npos) {
            endpoint.user = std::string(credentials.substr(0, colon));
            endpoint.password = std::string(credentials.substr(colon + 1));
        } else {
            endpoint.password = std::string(credentials);
        }
    }
    if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
        const std::string_view db = rest.substr(slash + 1);
        if (!db.empty() && !parse_number(db, endpoint.db)) return bad(url, "bad database number");
        rest = rest.substr(0, slash);
    }
    std::string_view host = rest;
    if (host.starts_with('[')) {  // [IPv6]:port
        const auto close = host.find(']');
        if (close == std::string_view::npos) return bad(url, "unterminated [");
        const std::string_view after = host.substr(close + 1);
        host = host.substr(1, close - 1);
        if (!after.empty()) {
            if (!after.starts_with(':') || !parse_number(after.substr(1), endpoint.port)) {
                return bad(url, "bad port");
            }
        }
    } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
        if (!parse_number(host.substr(colon + 1), endpoint.port)) return bad(url, "bad port");
        host = host.substr(0, colon);
    }
    if (host.empty()) return bad(url, "no host");
    if (endpoint.port == 0) return bad(url, "port 0");
    endpoint.host = std::string(host);
    return endpoint;
}

}  // namespace muster::redis
