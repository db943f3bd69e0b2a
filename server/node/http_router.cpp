#include "node/http_router.hpp"

#include <charconv>

#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>

#include "core/log.hpp"
#include "node/error_metrics.hpp"
#include "node/internal/node_internals.hpp"
#include "node/public_status.hpp"
#include "protocol/codec.hpp"

namespace muster::node {

namespace asio = boost::asio;

namespace {

std::vector<std::string> split_pattern(const std::string& pattern) {
    std::vector<std::string> out;
    std::size_t start = 1;
    while (start <= pattern.size()) {
        const auto slash = pattern.find('/', start);
        out.push_back(
            pattern.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return out;
}

// Verifies a Bearer token and loads the caller's memberships and directory name.
asio::awaitable<Result<Caller>> authenticate_bearer(NodeInternals& services,
                                                    std::string authorization) {
    static constexpr std::string_view scheme = "Bearer ";
    if (authorization.size() <= scheme.size() ||
        authorization.compare(0, scheme.size(), scheme) != 0) {
        co_return Status{errc::unauthenticated, "Authorization: Bearer <JWT> required"};
    }
    Result<Claims> claims = services.verifier().verify(
        std::string_view(authorization).substr(scheme.size()), services.clock().now_ms());
    if (!claims) co_return claims.status();
    if (!claims->session_id.empty() && services.session_check()) {
        if (Status live = co_await services.session_check()(*claims); !live) co_return live;
    }
    const std::string user = claims->subject;
    Result<store::UserProfile> profile = co_await async_call<store::UserProfile>(
        [&](Done<store::UserProfile> done) {
            services.store().directory().profile_of(user, std::move(done));
        },
        asio::use_awaitable);
    if (!profile) co_return profile.status();
    if (!profile->name.empty()) claims->name = profile->name;
    auto map = std::make_shared<Memberships>();
    for (const auto& m : profile->memberships) (*map)[m.group] = m.role;
    co_return Caller{std::move(*claims), std::move(map)};
}

}  // namespace

Result<std::optional<std::uint64_t>> HttpCall::query_number(const std::string& name) const {
    const auto it = query.find(name);
    if (it == query.end()) return std::optional<std::uint64_t>{};
    std::uint64_t value = 0;
    const auto& text = it->second;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        return Status{errc::invalid_argument, name + " must be a non-negative integer"};
    }
    return std::optional<std::uint64_t>{value};
}

void HttpRouter::add(std::string method, const std::string& pattern, HttpAuth auth,
                     HttpRoute handler) {
    routes_.push_back({std::move(method), split_pattern(pattern), auth, std::move(handler)});
}

net::HttpResponse json_response(unsigned status, const google::protobuf::Message& body) {
    return {status, "application/json", protocol::to_json(body), {}};
}

net::HttpResponse json_text_response(unsigned status, std::string body) {
    return {status, "application/json", std::move(body), {}};
}

net::HttpResponse error_response(const Status& any_status) {
    const Status status = public_status(any_status, "http");
    count_error(status.code());
    muster::v1::Error error;
    error.set_code(static_cast<muster::v1::Error::Code>(status.code()));
    error.set_message(status.message());
    return json_response(static_cast<unsigned>(http_status(status.code())), error);
}

asio::awaitable<net::HttpResponse> HttpRouter::dispatch(NodeInternals& node,
                                                        net::HttpRequest request) const {
    const auto url = boost::urls::parse_origin_form(request.target);
    if (!url) co_return error_response({errc::invalid_argument, "malformed request target"});

    std::vector<std::string> segments;
    for (auto segment : url->segments()) segments.push_back(segment);

    const Route* route = nullptr;
    bool path_matched = false;
    std::vector<std::string> params;
    for (const auto& candidate : routes_) {
        if (candidate.segments.size() != segments.size()) continue;
        std::vector<std::string> found;
        bool match = true;
        for (std::size_t i = 0; i < segments.size() && match; ++i) {
            if (candidate.segments[i] == "{}") {
                found.push_back(segments[i]);
            } else {
                match = candidate.segments[i] == segments[i];
            }
        }
        if (!match) continue;
        path_matched = true;
        if (candidate.method == request.method) {
            route = &candidate;
            params = std::move(found);
            break;
        }
    }
    if (route == nullptr) {
        if (path_matched) {
            auto response = error_response(
                {errc::invalid_argument, "method " + request.method + " not allowed here"});
            response.status = 405;
            co_return response;
        }
        if (static_) {
            if (auto file = static_->serve(request.method, segments)) co_return std::move(*file);
        }
        co_return error_response({errc::not_found, "no such route: " + std::string(url->path())});
    }

    HttpCall call;
    call.params = std::move(params);
    for (auto param : url->params()) call.query[param.key] = param.value;
    if (route->auth == HttpAuth::bearer ||
        (route->auth == HttpAuth::bearer_optional && !request.authorization.empty())) {
        Result<Caller> caller = co_await authenticate_bearer(node, request.authorization);
        if (!caller) co_return error_response(caller.status());
        call.caller = std::move(*caller);
    }
    call.request = std::move(request);
    try {
        co_return co_await route->handler(call);
    } catch (const std::exception& e) {
        MUSTER_LOG_ERROR("http") << call.request.method << ' ' << call.request.target
                                 << " failed: " << e.what();
        co_return error_response({errc::internal, "internal error"});
    }
}

}  // namespace muster::node
