#include "push/apns_provider.hpp"

#include <boost/json.hpp>

namespace muster::push {

namespace json = boost::json;

namespace {

std::string reason_of(const HttpReply& reply) {
    boost::system::error_code ec;
    json::value body = json::parse(reply.body, ec);
    if (ec || !body.is_object()) return {};
    const auto* reason = body.as_object().if_contains("reason");
    return reason != nullptr && reason->is_string() ? std::string(reason->as_string()) : "";
}

}  // namespace

ApnsProvider::ApnsProvider(Pkey key, ApnsOptions options)
    : key_(std::move(key)), options_(std::move(options)) {}

Result<std::string> ApnsProvider::token(std::int64_t now_ms) {
    // Apple refuses tokens older than an hour and throttles new ones made more often than
    // every 20 minutes: one per 50 minutes at most.
    if (!jwt_.empty() && now_ms - jwt_made_ms_ < 50 * 60 * 1000) return jwt_;
    json::object header{{"alg", "ES256"}, {"kid", options_.key_id}};
    json::object claims{{"iss", options_.team_id}, {"iat", now_ms / 1000}};
    auto jwt = sign_jwt_es256(key_.get(), json::serialize(header), json::serialize(claims));
    if (!jwt) return jwt.status();
    jwt_ = *jwt;
    jwt_made_ms_ = now_ms;
    return jwt_;
}

void ApnsProvider::send(const Notification& notification, const store::DeviceInfo& device,
                        HttpClient& http, std::int64_t now_ms, Done done) {
    auto jwt = token(now_ms);
    if (!jwt) {
        done(Outcome{Outcome::Kind::failed, "crypto", 0});
        return;
    }
    std::string base = options_.url;
    if (base.empty()) {
        base = device.environment == "sandbox" ? "https://api.sandbox.push.apple.com"
                                               : "https://api.push.apple.com";
    }
    json::object alert{{"title", notification.title}, {"body", notification.body}};
    json::object aps{{"alert", std::move(alert)}, {"sound", "default"}};
    if (const auto it = notification.data.find("group"); it != notification.data.end())
        aps["thread-id"] = it->second;
    if (notification.urgent) aps["interruption-level"] = "time-sensitive";
    json::object data;
    for (const auto& [key, value] : notification.data) data[key] = value;
    HttpRequest request;
    request.url = base + "/3/device/" + device.token;
    request.body =
        json::serialize(json::object{{"aps", std::move(aps)}, {"data", std::move(data)}});
    request.headers = {"authorization: bearer " + *jwt,
                       "apns-topic: " + device.topic,
                       "apns-push-type: alert",
                       "apns-priority: 10",
                       "apns-expiration: " + std::to_string(now_ms / 1000 + options_.ttl_s),
                       "content-type: application/json"};
    // APNs refuses a collapse id longer than 64 bytes.
    if (!notification.replace_id.empty() && notification.replace_id.size() <= 64)
        request.headers.push_back("apns-collapse-id: " + notification.replace_id);
    http.start(std::move(request), [this, done = std::move(done), now_ms](const HttpReply& reply) {
        Outcome out = common_outcome(reply, now_ms);
        const std::string reason = reply.status >= 400 ? reason_of(reply) : "";
        if (!reason.empty()) out.status += " " + reason;
        if (reply.status == 410 || (reply.status == 400 && (reason == "BadDeviceToken" ||
                                                            reason == "DeviceTokenNotForTopic"))) {
            out.kind = Outcome::Kind::dead;
        } else if (reply.status == 403 && reason == "ExpiredProviderToken") {
            jwt_.clear();
            out.kind = Outcome::Kind::retry;
        }
        done(out);
    });
}

}  // namespace muster::push
