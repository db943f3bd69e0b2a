#pragma once
// A synchronous HTTP/1.1 client for musterd's HTTP API: one request per connection. Beast stays
// in http.cpp.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "muster/outcome.hpp"

namespace muster::client {

struct HttpRequest {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
    std::string method = "GET";
    std::string target = "/";
    std::string bearer_token;  // empty = no Authorization header
    std::string body;          // sent with content_type when not empty
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    std::chrono::milliseconds timeout{30000};  // the whole exchange
};

struct HttpResponse {
    int status = 0;
    std::string body;
    std::string content_type;
    std::vector<std::pair<std::string, std::string>> headers;

    // The first header of that name (case-insensitive), or "".
    [[nodiscard]] std::string header(std::string_view name) const;
};

// An HTTP error status is a response, not a Failure: Failure means no response arrived.
Outcome<HttpResponse> http_request(const HttpRequest& request);

Outcome<HttpResponse> http_request(std::string host, std::uint16_t port, std::string method,
                                   std::string target, std::string bearer_token = {},
                                   std::string body = {},
                                   std::string content_type = "application/json");

}  // namespace muster::client
