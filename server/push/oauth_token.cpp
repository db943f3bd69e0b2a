#include "push/oauth_token.hpp"

#include <boost/json.hpp>

namespace muster::push {

namespace json = boost::json;

void OAuthToken::get(HttpClient& http, std::int64_t now_ms, Ready ready) {
    if (!token_.empty() && now_ms < renew_at_ms_) {
        ready(token_);
        return;
    }
    waiting_.push_back(std::move(ready));
    if (fetching_) return;
    auto request = make_(now_ms);
    auto fail_all = [this](const Status& status) {
        auto waiting = std::move(waiting_);
        waiting_.clear();
        for (auto& w : waiting) w(status);
    };
    if (!request) {
        fail_all(request.status());
        return;
    }
    fetching_ = true;
    http.start(std::move(*request), [this, now_ms, fail_all](const HttpReply& reply) {
        fetching_ = false;
        if (reply.status != 200) {
            fail_all({errc::unavailable,
                      "token endpoint: " +
                          (reply.status == 0 ? reply.error : std::to_string(reply.status))});
            return;
        }
        boost::system::error_code ec;
        json::value body = json::parse(reply.body, ec);
        const json::object* fields = !ec && body.is_object() ? &body.as_object() : nullptr;
        const json::value* token = fields ? fields->if_contains("access_token") : nullptr;
        if (token == nullptr || !token->is_string()) {
            fail_all({errc::unavailable, "token endpoint: no access_token"});
            return;
        }
        std::int64_t expires_s = 3600;
        if (const auto* e = fields->if_contains("expires_in"); e && e->is_int64())
            expires_s = std::max<std::int64_t>(1, e->as_int64());
        token_ = std::string(token->as_string());
        // Renewed a minute early (or halfway, for short-lived tokens).
        renew_at_ms_ = now_ms + std::max<std::int64_t>(expires_s * 500, expires_s * 1000 - 60000);
        auto waiting = std::move(waiting_);
        waiting_.clear();
        for (auto& w : waiting) w(token_);
    });
}

}  // namespace muster::push
