// The HTTP side of muster_client: Beast's HTTP templates are instantiated here only.
#include "muster/http.hpp"

#include <algorithm>
#include <cctype>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace muster::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

constexpr std::uint64_t max_response_body = 256 * 1024 * 1024;

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) return value;
    }
    return {};
}

Outcome<HttpResponse> http_request(const HttpRequest& request) {
    asio::io_context ioc{1};
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    const auto endpoints = resolver.resolve(request.host, std::to_string(request.port), ec);
    if (ec) {
        return Failure::make(Failure::Kind::io,
                             "cannot resolve " + request.host + ": " + ec.message());
    }

    std::string method = request.method;
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    http::request<http::string_body> message;
    if (const auto verb = http::string_to_verb(method); verb != http::verb::unknown) {
        message.method(verb);
    } else {
        message.method_string(method);
    }
    message.target(request.target);
    message.version(11);
    message.set(http::field::host, request.host + ":" + std::to_string(request.port));
    message.set(http::field::user_agent, "muster-client/1");
    message.keep_alive(false);
    if (!request.bearer_token.empty()) {
        message.set(http::field::authorization, "Bearer " + request.bearer_token);
    }
    for (const auto& [name, value] : request.headers) message.set(name, value);
    if (!request.body.empty()) {
        message.set(http::field::content_type, request.content_type);
        message.body() = request.body;
    }
    message.prepare_payload();

    // One deadline for the whole exchange: tcp_stream cancels whatever is pending when it hits.
    beast::tcp_stream stream(ioc);
    stream.expires_after(request.timeout);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_response_body);
    beast::error_code result;
    std::string step = "connect";
    stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
        if (e) {
            result = e;
            return;
        }
        step = "send";
        http::async_write(stream, message, [&](beast::error_code w, std::size_t) {
            if (w) {
                result = w;
                return;
            }
            step = "receive";
            http::async_read(stream, buffer, parser,
                             [&](beast::error_code r, std::size_t) { result = r; });
        });
    });
    ioc.run();  // returns once the last handler ran: every capture above outlives it
    if (result) {
        return Failure::make(
            result == beast::error::timeout ? Failure::Kind::timeout : Failure::Kind::io,
            "HTTP " + method + " " + request.target + ": " + step + ": " + result.message());
    }
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);

    auto& received = parser.get();
    HttpResponse response;
    response.status = static_cast<int>(received.result_int());
    response.content_type = std::string(received[http::field::content_type]);
    for (const auto& field : received) {
        response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(received.body());
    return response;
}

Outcome<HttpResponse> http_request(std::string host, std::uint16_t port, std::string method,
                                   std::string target, std::string bearer_token, std::string body,
                                   std::string content_type) {
    HttpRequest request;
    request.host = std::move(host);
    request.port = port;
    request.method = std::move(method);
    request.target = std::move(target);
    request.bearer_token = std::move(bearer_token);
    request.body = std::move(body);
    request.content_type = std::move(content_type);
    return http_request(request);
}

}  // namespace muster::client
