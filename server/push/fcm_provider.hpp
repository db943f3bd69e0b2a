#pragma once
// FCM HTTP v1 (Android with Google services): POST <push.fcm_url>/v1/projects/<project>/
// messages:send with an OAuth 2 access token from the service-account key (an RS256 JWT
// bearer grant to its token_uri, scope firebase.messaging), cached until shortly before it
// expires. The message carries `notification {title, body}`, `data` (string values) and
// `android {priority HIGH | NORMAL, ttl, collapse_key}`.
// Outcomes: 200 sent; 404, or an error whose details say UNREGISTERED: dead; 401: a new access
// token and a retry; 429/5xx retried; others failed.

#include <string>

#include "push/oauth_token.hpp"
#include "push/provider.hpp"
#include "push/push_crypto.hpp"

namespace muster::push {

struct ServiceAccount {
    std::string project_id;
    std::string client_email;
    std::string private_key_id;
    std::string token_uri;
    Pkey key;
};

// Reads a service-account JSON file (project_id, client_email, private_key, token_uri).
Result<ServiceAccount> load_service_account(const std::string& path);

class FcmProvider final : public Provider {
  public:
    FcmProvider(ServiceAccount account, std::string url, std::uint32_t ttl_s);

    void send(const Notification& notification, const store::DeviceInfo& device, HttpClient& http,
              std::int64_t now_ms, Done done) override;

  private:
    ServiceAccount account_;
    std::string url_;
    std::uint32_t ttl_s_;
    OAuthToken token_;
};

}  // namespace muster::push
