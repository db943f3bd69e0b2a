#pragma once
// One push service (Web Push, webhook, APNs, FCM, HMS): turns a rendered notification for one
// device into the service's documented request and its answer into an outcome.
//
// Thread: the push worker's, for every call and every callback. A provider may make requests
// of its own first (an OAuth access token), with the same client.

#include <cstdint>
#include <functional>
#include <string>

#include "http_client/http_client.hpp"
#include "push/notification_text.hpp"
#include "store/device_store.hpp"

namespace muster::push {

// The outbound HTTP client, in push's own words (the providers speak it).
using http_client::HttpClient;
using http_client::HttpClientOptions;
using http_client::HttpReply;
using http_client::HttpRequest;

struct Outcome {
    enum class Kind : std::uint8_t {
        sent,   // the service accepted it
        retry,  // later (429, 5xx, no answer)
        dead,   // the token or subscription is gone: forget the device
        failed  // refused for good (bad request, misconfiguration): do not retry
    };
    Kind kind = Kind::failed;
    std::string status;               // for metrics and logs: the HTTP status, or why not
    std::int64_t retry_after_ms = 0;  // the service's Retry-After; 0: none
    std::string detail;               // no answer: the transport's reason (for the log)
};

class Provider {
  public:
    using Done = std::function<void(Outcome)>;
    virtual ~Provider() = default;
    // Sends `notification` to `device`; `done` exactly once.
    virtual void send(const Notification& notification, const store::DeviceInfo& device,
                      HttpClient& http, std::int64_t now_ms, Done done) = 0;
};

// The outcome of an answer most services give alike: 2xx sent; 429, 5xx and no answer retried
// (with Retry-After); anything else failed. Providers refine it.
Outcome common_outcome(const HttpReply& reply, std::int64_t now_ms);
// Retry-After as delay-seconds or an HTTP date; 0 when absent or malformed.
std::int64_t retry_after_ms(const HttpReply& reply, std::int64_t now_ms);
// Whether `url` may be posted to: https, or http when allowed (loopback tests).
bool endpoint_allowed(const std::string& url, bool allow_http);

}  // namespace muster::push
