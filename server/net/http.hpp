#pragma once
// HTTP requests and responses as the application sees them: plain structs, no Beast, so that
// node/ and features never include it.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/async.hpp"

namespace boost::asio::ip {
class tcp;
}

namespace muster::net {

class Loop;
class WsConnection;

struct HttpRequest {
    std::string method;         // "GET", "PUT", ...
    std::string target;         // path and query, as sent
    std::string authorization;  // the Authorization header, if any
    std::string content_type;
    std::string body;
    std::string remote_address;  // the TCP peer's IP address (per-address rate limits)
};

struct HttpResponse {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

class HttpHandler {
  public:
    virtual ~HttpHandler() = default;
    // `respond` may be called from any thread, exactly once.
    virtual void handle_http(HttpRequest request, Done<HttpResponse> respond) = 0;
};

}  // namespace muster::net
