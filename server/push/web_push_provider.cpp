#include "push/web_push_provider.hpp"

#include <boost/json.hpp>
#include <openssl/sha.h>

#include "core/jwt.hpp"

namespace muster::push {

namespace json = boost::json;

std::string origin_of(const std::string& url) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) return {};
    const auto path = url.find_first_of("/?#", scheme + 3);
    return url.substr(0, path);
}

WebPushProvider::WebPushProvider(Pkey vapid_key, std::string subject, std::uint32_t ttl_s,
                                 bool allow_http)
    : key_(std::move(vapid_key))
    , subject_(std::move(subject))
    , ttl_s_(ttl_s)
    , allow_http_(allow_http) {
    if (auto point = p256_public_point(key_.get())) public_key_ = base64url_encode(*point);
}

Result<std::string> WebPushProvider::vapid_token(const std::string& audience, std::int64_t now_ms) {
    auto& cached = tokens_[audience];
    if (!cached.token.empty() && now_ms < cached.renew_at_ms) return cached.token;
    const std::int64_t exp = now_ms / 1000 + 12 * 3600;  // RFC 8292: at most 24 h ahead
    json::object claims{{"aud", audience}, {"exp", exp}, {"sub", subject_}};
    auto token =
        sign_jwt_es256(key_.get(), R"({"typ":"JWT","alg":"ES256"})", json::serialize(claims));
    if (!token) return token.status();
    if (tokens_.size() > 10000) tokens_.clear();  // one per push service origin: few
    cached = {*token, now_ms + 3600 * 1000};
    return *token;
}

void WebPushProvider::send(const Notification& notification, const store::DeviceInfo& device,
                           HttpClient& http, std::int64_t now_ms, Done done) {
    auto fail = [&done](const std::string& why) {
        Outcome out;
        out.kind = Outcome::Kind::failed;
        out.status = why;
        done(out);
    };
    if (!endpoint_allowed(device.endpoint, allow_http_)) return fail("endpoint_refused");
    const std::string audience = origin_of(device.endpoint);
    std::string ua_public;
    std::string auth;
    if (!base64url_decode(device.p256dh, ua_public) || !base64url_decode(device.auth, auth))
        return fail("bad_keys");
    boost::system::error_code ec;
    json::value data = json::parse(notification.data_json, ec);
    if (ec) data = json::object{};
    const std::string payload = json::serialize(json::object{
        {"title", notification.title}, {"body", notification.body}, {"data", std::move(data)}});
    auto ephemeral = generate_p256();
    if (!ephemeral) return fail("crypto");
    auto body = encrypt_aes128gcm(payload, ua_public, auth, ephemeral->get(), random_bytes(16));
    if (!body) return fail(body.status().code() == errc::too_large ? "too_large" : "bad_keys");
    auto token = vapid_token(audience, now_ms);
    if (!token) return fail("crypto");

    HttpRequest request;
    request.url = device.endpoint;
    request.body = std::move(*body);
    request.headers = {"Content-Type: application/octet-stream", "Content-Encoding: aes128gcm",
                       "TTL: " + std::to_string(ttl_s_),
                       std::string("Urgency: ") + (notification.urgent ? "high" : "normal"),
                       "Authorization: vapid t=" + *token + ", k=" + public_key_};
    if (!notification.collapse_key.empty()) {
        // RFC 8030 §5.4: a Topic is at most 32 base64url characters.
        unsigned char digest[SHA256_DIGEST_LENGTH];
        SHA256(reinterpret_cast<const unsigned char*>(notification.collapse_key.data()),
               notification.collapse_key.size(), digest);
        request.headers.push_back(
            "Topic: " +
            base64url_encode(std::string(reinterpret_cast<const char*>(digest), 24)).substr(0, 32));
    }
    http.start(std::move(request), [done = std::move(done), now_ms](const HttpReply& reply) {
        Outcome out = common_outcome(reply, now_ms);
        if (reply.status == 404 || reply.status == 410) out.kind = Outcome::Kind::dead;
        done(out);
    });
}

}  // namespace muster::push
