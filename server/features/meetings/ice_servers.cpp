#include "features/meetings/ice_servers.hpp"

#include <boost/json.hpp>

#include "core/turn_credentials.hpp"

namespace muster::features::meetings {

namespace json = boost::json;

std::vector<std::string> split_urls(const std::string& list) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at <= list.size()) {
        std::size_t comma = list.find(',', at);
        if (comma == std::string::npos) comma = list.size();
        std::string item = list.substr(at, comma - at);
        const auto first = item.find_first_not_of(" \t");
        const auto last = item.find_last_not_of(" \t");
        if (first != std::string::npos) out.push_back(item.substr(first, last - first + 1));
        at = comma + 1;
    }
    return out;
}

std::string ice_servers_json(const MeetingConfig& config, const std::string& user,
                             std::int64_t now_ms) {
    json::array servers;
    auto urls_of = [](const std::string& list) {
        json::array urls;
        for (auto& url : split_urls(list)) urls.emplace_back(url);
        return urls;
    };
    if (!split_urls(config.stun_urls).empty()) {
        servers.emplace_back(json::object{{"urls", urls_of(config.stun_urls)}});
    }
    if (!config.turn_secret.empty() && !split_urls(config.turn_urls).empty()) {
        const std::int64_t expiry_s = now_ms / 1000 + config.turn_ttl_s;
        const TurnCredentials credentials = turn_credentials(config.turn_secret, user, expiry_s);
        servers.emplace_back(json::object{{"urls", urls_of(config.turn_urls)},
                                          {"username", credentials.username},
                                          {"credential", credentials.credential}});
    }
    return json::serialize(
        json::object{{"iceServers", std::move(servers)}, {"ttlS", config.turn_ttl_s}});
}

}  // namespace muster::features::meetings
