#pragma once
// Webhook (any other relay, e.g. a vendor push aggregator): POST of the JSON {title, body,
// data, priority} to the device's endpoint, signed with its secret: `X-Muster-Signature` is
// the hex HMAC-SHA256 of the body. Outcomes: 2xx sent; 404/410 dead; 429/5xx retried (with
// Retry-After); others failed.

#include "push/provider.hpp"

namespace muster::push {

class WebhookProvider final : public Provider {
  public:
    explicit WebhookProvider(bool allow_http) : allow_http_(allow_http) {}

    void send(const Notification& notification, const store::DeviceInfo& device, HttpClient& http,
              std::int64_t now_ms, Done done) override;

  private:
    bool allow_http_;
};

}  // namespace muster::push
