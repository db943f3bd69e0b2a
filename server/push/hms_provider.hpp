#pragma once
// HMS Push Kit (Huawei phones without Google services): an OAuth 2 access token by client
// credentials (push.hms_app_id, push.hms_client_secret) from push.hms_token_url, cached until
// shortly before it expires, then POST <push.hms_url>/v1/<app id>/messages:send with
// `message {token: [..], notification {title, body}, data: "<JSON of string values>",
// android {urgency HIGH | NORMAL, ttl, collapse_key}}`. HMS answers HTTP 200 with a result
// code: 80000000 sent; 80300007 (invalid token) dead; 80200003 (token expired) a new access
// token and a retry; 429/5xx retried; others failed.

#include <string>

#include "push/oauth_token.hpp"
#include "push/provider.hpp"

namespace muster::push {

struct HmsOptions {
    std::string app_id;
    std::string client_secret;
    std::string url;
    std::string token_url;
    std::uint32_t ttl_s = 86400;
};

class HmsProvider final : public Provider {
  public:
    explicit HmsProvider(HmsOptions options);

    void send(const Notification& notification, const store::DeviceInfo& device, HttpClient& http,
              std::int64_t now_ms, Done done) override;

  private:
    HmsOptions options_;
    OAuthToken token_;
};

}  // namespace muster::push
