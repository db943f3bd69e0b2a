#include "push/hms_provider.hpp"

#include <curl/curl.h>

#include <boost/json.hpp>

namespace muster::push {

namespace json = boost::json;

namespace {

std::string form_escape(const std::string& text) {
    char* escaped = curl_easy_escape(nullptr, text.c_str(), static_cast<int>(text.size()));
    std::string out = escaped != nullptr ? escaped : "";
    curl_free(escaped);
    return out;
}

std::string result_code(const HttpReply& reply) {
    boost::system::error_code ec;
    json::value body = json::parse(reply.body, ec);
    if (ec || !body.is_object()) return {};
    const auto* code = body.as_object().if_contains("code");
    return code != nullptr && code->is_string() ? std::string(code->as_string()) : "";
}

}  // namespace

HmsProvider::HmsProvider(HmsOptions options)
    : options_(std::move(options)), token_([this](std::int64_t) -> Result<HttpRequest> {
        HttpRequest request;
        request.url = options_.token_url;
        request.headers = {"Content-Type: application/x-www-form-urlencoded"};
        request.body = "grant_type=client_credentials&client_id=" + form_escape(options_.app_id) +
                       "&client_secret=" + form_escape(options_.client_secret);
        return request;
    }) {}

void HmsProvider::send(const Notification& notification, const store::DeviceInfo& device,
                       HttpClient& http, std::int64_t now_ms, Done done) {
    token_.get(http, now_ms,
               [this, notification, device, &http, now_ms,
                done = std::move(done)](Result<std::string> token) mutable {
                   if (!token) {
                       done(Outcome{Outcome::Kind::retry, "token", 0});
                       return;
                   }
                   json::object android{{"urgency", notification.urgent ? "HIGH" : "NORMAL"},
                                        {"ttl", std::to_string(options_.ttl_s) + "s"}};
                   if (!notification.collapse_key.empty()) android["collapse_key"] = 1;
                   // HMS needs a tap action with an Android notification: type 3 opens the
                   // app (which reads `data`). The tag makes a later copy replace this one.
                   json::object shown{{"click_action", json::object{{"type", 3}}}};
                   if (!notification.replace_id.empty()) shown["tag"] = notification.replace_id;
                   android["notification"] = std::move(shown);
                   json::object message{{"token", json::array{json::string(device.token)}},
                                        {"notification", json::object{{"title", notification.title},
                                                                      {"body", notification.body}}},
                                        {"data", notification.data_json},
                                        {"android", std::move(android)}};
                   HttpRequest request;
                   request.url = options_.url + "/v1/" + options_.app_id + "/messages:send";
                   request.headers = {"Authorization: Bearer " + *token,
                                      "Content-Type: application/json; charset=UTF-8"};
                   request.body = json::serialize(
                       json::object{{"validate_only", false}, {"message", std::move(message)}});
                   http.start(std::move(request),
                              [this, done = std::move(done), now_ms](const HttpReply& reply) {
                                  Outcome out = common_outcome(reply, now_ms);
                                  if (reply.status != 200) {
                                      if (reply.status == 401) {
                                          token_.invalidate();
                                          out.kind = Outcome::Kind::retry;
                                      }
                                      done(out);
                                      return;
                                  }
                                  const std::string code = result_code(reply);
                                  out.status = code.empty() ? "200" : code;
                                  if (code == "80000000") {
                                      out.kind = Outcome::Kind::sent;
                                  } else if (code == "80300007" || code == "80100000") {
                                      out.kind = Outcome::Kind::dead;
                                  } else if (code == "80200003" || code == "80200001") {
                                      token_.invalidate();
                                      out.kind = Outcome::Kind::retry;
                                  } else {
                                      out.kind = Outcome::Kind::failed;
                                  }
                                  done(out);
                              });
               });
}

}  // namespace muster::push
