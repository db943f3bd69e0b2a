#include "muster/endpoint.hpp"

#include <charconv>

namespace muster::client {

std::string Endpoint::authority() const {
    const bool ipv6 = host.find(':') != std::string::npos;
    return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Outcome<Endpoint> parse_endpoint(std::string_view text, std::string_view default_target) {
    auto bad = [&](std::string_view why) {
        return Failure::make(Failure::Kind::invalid_argument,
                             "bad server address '" + std::string(text) + "': " + std::string(why));
    };
    Endpoint endpoint;
    std::string_view rest = text;
    if (const auto scheme_end = rest.find("://"); scheme_end != std::string_view::npos) {
        endpoint.scheme = std::string(rest.substr(0, scheme_end));
        rest.remove_prefix(scheme_end + 3);
    }
    const auto path_start = rest.find('/');
    std::string_view authority = rest.substr(0, path_start);
    endpoint.target = path_start == std::string_view::npos ? std::string(default_target)
                                                           : std::string(rest.substr(path_start));
    if (endpoint.target == "/" && !default_target.empty()) endpoint.target = default_target;

    std::string_view port_text;
    if (authority.starts_with('[')) {  // [::1]:8080
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return bad("unclosed '['");
        endpoint.host = std::string(authority.substr(1, close - 1));
        authority.remove_prefix(close + 1);
        if (authority.starts_with(':'))
            port_text = authority.substr(1);
        else if (!authority.empty())
            return bad("junk after ']'");
    } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        endpoint.host = std::string(authority.substr(0, colon));
        port_text = authority.substr(colon + 1);
    } else {
        endpoint.host = std::string(authority);
    }
    if (endpoint.host.empty()) return bad("no host");

    if (port_text.empty()) {
        if (endpoint.scheme == "ws" || endpoint.scheme == "http")
            endpoint.port = 80;
        else if (endpoint.scheme == "wss" || endpoint.scheme == "https")
            endpoint.port = 443;
        else
            return bad("no port");
        return endpoint;
    }
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
        return bad("bad port");
    }
    endpoint.port = static_cast<std::uint16_t>(port);
    return endpoint;
}

}  // namespace muster::client
