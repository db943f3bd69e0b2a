#pragma once
// Web Push (browsers, the web app, UnifiedPush distributors): RFC 8030 (TTL, Urgency, Topic),
// RFC 8291 aes128gcm bodies with a fresh key and salt per message, RFC 8292 VAPID
// (`Authorization: vapid t=<ES256 JWT>, k=<public key>`, aud = the endpoint's origin, exp 12 h
// ahead, reused for 1 h per origin). The body is the JSON {title, body, data}.
// Outcomes: 2xx sent; 404/410 dead; 429/5xx retried; others failed.

#include <map>
#include <string>

#include "push/provider.hpp"
#include "push/push_crypto.hpp"

namespace muster::push {

class WebPushProvider final : public Provider {
  public:
    // `vapid_key`: the P-256 private key; `subject`: the VAPID sub (mailto: or https:).
    WebPushProvider(Pkey vapid_key, std::string subject, std::uint32_t ttl_s, bool allow_http);

    void send(const Notification& notification, const store::DeviceInfo& device, HttpClient& http,
              std::int64_t now_ms, Done done) override;

    // The VAPID public key, base64url (what browsers subscribe with).
    [[nodiscard]] const std::string& public_key() const { return public_key_; }

  private:
    Result<std::string> vapid_token(const std::string& audience, std::int64_t now_ms);

    struct CachedToken {
        std::string token;
        std::int64_t renew_at_ms = 0;
    };
    Pkey key_;
    std::string subject_;
    std::uint32_t ttl_s_;
    bool allow_http_;
    std::string public_key_;
    std::map<std::string, CachedToken> tokens_;  // by audience (origin)
};

// The origin ("scheme://host[:port]") of a URL; empty when it has none.
std::string origin_of(const std::string& url);

}  // namespace muster::push
