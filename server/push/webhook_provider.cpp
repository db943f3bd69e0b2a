#include "push/webhook_provider.hpp"

#include <boost/json.hpp>

#include "push/push_crypto.hpp"

namespace muster::push {

namespace json = boost::json;

void WebhookProvider::send(const Notification& notification, const store::DeviceInfo& device,
                           HttpClient& http, std::int64_t now_ms, Done done) {
    if (!endpoint_allowed(device.endpoint, allow_http_)) {
        done(Outcome{Outcome::Kind::failed, "endpoint_refused", 0});
        return;
    }
    boost::system::error_code ec;
    json::value data = json::parse(notification.data_json, ec);
    if (ec) data = json::object{};
    HttpRequest request;
    request.url = device.endpoint;
    request.body =
        json::serialize(json::object{{"title", notification.title},
                                     {"body", notification.body},
                                     {"data", std::move(data)},
                                     {"priority", notification.urgent ? "high" : "normal"}});
    request.headers = {"Content-Type: application/json",
                       "X-Muster-Signature: " + to_hex(hmac_sha256(device.secret, request.body))};
    http.start(std::move(request), [done = std::move(done), now_ms](const HttpReply& reply) {
        Outcome out = common_outcome(reply, now_ms);
        if (reply.status == 404 || reply.status == 410) out.kind = Outcome::Kind::dead;
        done(out);
    });
}

}  // namespace muster::push
