#include "push/fcm_provider.hpp"

#include <curl/curl.h>
#include <fstream>
#include <sstream>

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

// Whether an FCM error body says the registration token is gone.
bool unregistered(const HttpReply& reply) {
    boost::system::error_code ec;
    json::value body = json::parse(reply.body, ec);
    if (ec) return false;
    const std::string text = json::serialize(body);
    return text.find("\"UNREGISTERED\"") != std::string::npos ||
           text.find("\"NOT_FOUND\"") != std::string::npos;
}

}  // namespace

Result<ServiceAccount> load_service_account(const std::string& path) {
    std::ifstream in(path);
    if (!in) return {errc::invalid_argument, "cannot read " + path};
    std::ostringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    json::value value = json::parse(text.str(), ec);
    if (ec || !value.is_object()) return {errc::invalid_argument, path + ": not JSON"};
    const auto& o = value.as_object();
    auto get = [&o](const char* key) {
        const auto* v = o.if_contains(key);
        return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    ServiceAccount account;
    account.project_id = get("project_id");
    account.client_email = get("client_email");
    account.private_key_id = get("private_key_id");
    account.token_uri = get("token_uri");
    if (account.project_id.empty() || account.client_email.empty() || account.token_uri.empty())
        return {errc::invalid_argument, path + ": project_id, client_email and token_uri needed"};
    auto key = load_private_key_pem(get("private_key"));
    if (!key) return {errc::invalid_argument, path + ": private_key: " + key.status().message()};
    account.key = std::move(*key);
    return account;
}

FcmProvider::FcmProvider(ServiceAccount account, std::string url, std::uint32_t ttl_s)
    : account_(std::move(account))
    , url_(std::move(url))
    , ttl_s_(ttl_s)
    , token_([this](std::int64_t now_ms) -> Result<HttpRequest> {
        const std::int64_t now_s = now_ms / 1000;
        json::object header{{"alg", "RS256"}, {"typ", "JWT"}};
        if (!account_.private_key_id.empty()) header["kid"] = account_.private_key_id;
        json::object claims{{"iss", account_.client_email},
                            {"scope", "https://www.googleapis.com/auth/firebase.messaging"},
                            {"aud", account_.token_uri},
                            {"iat", now_s},
                            {"exp", now_s + 3600}};
        auto assertion =
            sign_jwt_rs256(account_.key.get(), json::serialize(header), json::serialize(claims));
        if (!assertion) return assertion.status();
        HttpRequest request;
        request.url = account_.token_uri;
        request.headers = {"Content-Type: application/x-www-form-urlencoded"};
        request.body = "grant_type=" + form_escape("urn:ietf:params:oauth:grant-type:jwt-bearer") +
                       "&assertion=" + form_escape(*assertion);
        return request;
    }) {}

void FcmProvider::send(const Notification& notification, const store::DeviceInfo& device,
                       HttpClient& http, std::int64_t now_ms, Done done) {
    token_.get(
        http, now_ms,
        [this, notification, device, &http, now_ms,
         done = std::move(done)](Result<std::string> token) mutable {
            if (!token) {
                done(Outcome{Outcome::Kind::retry, "token", 0});
                return;
            }
            json::object data;
            for (const auto& [key, value] : notification.data) data[key] = value;
            json::object android{{"priority", notification.urgent ? "HIGH" : "NORMAL"},
                                 {"ttl", std::to_string(ttl_s_) + "s"}};
            if (!notification.collapse_key.empty())
                android["collapse_key"] = notification.collapse_key;
            if (!notification.replace_id.empty())
                android["notification"] = json::object{{"tag", notification.replace_id}};
            json::object message{{"token", device.token},
                                 {"notification", json::object{{"title", notification.title},
                                                               {"body", notification.body}}},
                                 {"data", std::move(data)},
                                 {"android", std::move(android)}};
            HttpRequest request;
            request.url = url_ + "/v1/projects/" + account_.project_id + "/messages:send";
            request.headers = {"Authorization: Bearer " + *token, "Content-Type: application/json"};
            request.body = json::serialize(json::object{{"message", std::move(message)}});
            http.start(
                std::move(request), [this, done = std::move(done), now_ms](const HttpReply& reply) {
                    Outcome out = common_outcome(reply, now_ms);
                    if (reply.status == 404 || (reply.status == 400 && unregistered(reply))) {
                        out.kind = Outcome::Kind::dead;
                    } else if (reply.status == 401) {
                        token_.invalidate();
                        out.kind = Outcome::Kind::retry;
                    }
                    done(out);
                });
        });
}

}  // namespace muster::push
