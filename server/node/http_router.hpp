#pragma once
// Routes of the HTTP API: method + path pattern ("/api/v1/groups/{}/members/{}") -> handler.
// Authentication (Bearer JWT, docs/PROTOCOL.md "Tokens") happens here, before the handler, for
// routes that ask for it (HttpAuth); handlers get the caller with its memberships loaded.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "net/http.hpp"
#include "node/caller.hpp"
#include "node/services.hpp"
#include "node/static_files.hpp"

namespace google::protobuf {
class Message;
}

namespace muster::node {

class NodeInternals;

struct HttpCall {
    net::HttpRequest request;
    std::vector<std::string> params;           // the path's {} segments, percent-decoded
    std::map<std::string, std::string> query;  // decoded query parameters
    // Set for HttpAuth::bearer routes; for HttpAuth::bearer_optional ones when the request
    // carried an Authorization header (empty when it did not).
    std::optional<Caller> caller;

    // A query parameter as an unsigned number; INVALID_ARGUMENT if present and not one.
    [[nodiscard]] Result<std::optional<std::uint64_t>> query_number(const std::string& name) const;
};

using HttpRoute = std::function<boost::asio::awaitable<net::HttpResponse>(HttpCall&)>;

// What a route asks of the `Authorization` header before its handler runs:
//   none             not read (the handler may still look at the request);
//   bearer           required: a valid "Bearer <JWT>" (the external issuer's or the node's own,
//                    its session alive, SessionCheck), else UNAUTHENTICATED; HttpCall::caller set;
//   bearer_optional  checked the same way when present (an invalid one is UNAUTHENTICATED, never
//                    ignored); when absent the handler runs with no caller.
enum class HttpAuth : std::uint8_t { none, bearer, bearer_optional };

class HttpRouter {
  public:
    void add(std::string method, const std::string& pattern, HttpAuth auth, HttpRoute handler);

    // Finds the route, authenticates as its HttpAuth says, runs it. Always produces a response
    // (errors as JSON). The node calls it (node/internal/node_internals.hpp).
    boost::asio::awaitable<net::HttpResponse> dispatch(NodeInternals& node,
                                                       net::HttpRequest request) const;

    // GET/HEAD requests that match no route are served from the web app's files, if any.
    void set_static_files(std::shared_ptr<const StaticFiles> files) { static_ = std::move(files); }

  private:
    struct Route {
        std::string method;
        std::vector<std::string> segments;  // "{}" marks a parameter
        HttpAuth auth;
        HttpRoute handler;
    };
    std::vector<Route> routes_;
    std::shared_ptr<const StaticFiles> static_;
};

// Responses in the wire contract's shapes.
net::HttpResponse json_response(unsigned status, const google::protobuf::Message& body);
net::HttpResponse json_text_response(unsigned status, std::string body);
net::HttpResponse error_response(const Status& status);

}  // namespace muster::node
