#pragma once
// An OAuth 2 access token fetched from a token endpoint and cached until shortly before it
// expires (FCM's service-account grant, HMS's client credentials). Callers asking while a
// fetch is under way wait for that one fetch. Thread: the push worker's.

#include <deque>
#include <functional>
#include <string>

#include "core/status.hpp"
#include "http_client/http_client.hpp"

namespace muster::push {

// The outbound HTTP client, in push's own words (the providers speak it).
using http_client::HttpClient;
using http_client::HttpClientOptions;
using http_client::HttpReply;
using http_client::HttpRequest;

class OAuthToken {
  public:
    using Ready = std::function<void(Result<std::string> token)>;
    // Makes the token request (its body changes with the time: a signed assertion).
    using MakeRequest = std::function<Result<HttpRequest>(std::int64_t now_ms)>;

    explicit OAuthToken(MakeRequest make) : make_(std::move(make)) {}

    // The cached token, or one fetched now; `ready` exactly once.
    void get(HttpClient& http, std::int64_t now_ms, Ready ready);
    // Forgets the cached token (the service said it expired or was revoked).
    void invalidate() { token_.clear(); }

  private:
    MakeRequest make_;
    std::string token_;
    std::int64_t renew_at_ms_ = 0;
    bool fetching_ = false;
    std::deque<Ready> waiting_;
};

}  // namespace muster::push
