#pragma once
// APNs (iOS): HTTP/2 POST /3/device/<token> with token authentication: an ES256 JWT from the
// .p8 key (kid = push.apns_key_id, iss = push.apns_team_id), reused for at most 50 minutes.
// Headers apns-topic (the device's bundle id), apns-push-type alert, apns-priority 10,
// apns-expiration, apns-collapse-id (chat). Payload {"aps": {"alert": {title, body}, "sound",
// "thread-id", "interruption-level"}, "data": {...}}.
// Outcomes: 200 sent; 410, or 400 BadDeviceToken / DeviceTokenNotForTopic: dead; 403
// ExpiredProviderToken: a new JWT and a retry; 429/5xx retried; others failed.

#include "push/provider.hpp"
#include "push/push_crypto.hpp"

namespace muster::push {

struct ApnsOptions {
    std::string key_id;
    std::string team_id;
    std::string url;  // empty: Apple's production or sandbox host, per device
    std::uint32_t ttl_s = 86400;
};

class ApnsProvider final : public Provider {
  public:
    ApnsProvider(Pkey key, ApnsOptions options);

    void send(const Notification& notification, const store::DeviceInfo& device, HttpClient& http,
              std::int64_t now_ms, Done done) override;

  private:
    Result<std::string> token(std::int64_t now_ms);

    Pkey key_;
    ApnsOptions options_;
    std::string jwt_;
    std::int64_t jwt_made_ms_ = 0;
};

}  // namespace muster::push
