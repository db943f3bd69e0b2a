// The only translation unit of the server that instantiates Beast (HTTP parsing and writing).
#include "net/http_server.hpp"

#include <array>
#include <atomic>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "core/log.hpp"
#include "net/ws_handshake.hpp"

namespace muster::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::string json_error(std::string_view code, std::string_view message) {
    std::string body = R"({"code":")";
    body += code;
    body += R"(","message":")";
    for (char c : message) {
        if (c == '"' || c == '\\') body.push_back('\\');
        body.push_back(c);
    }
    body += "\"}";
    return body;
}

HttpResponse error_response(unsigned status, std::string_view code, std::string_view message) {
    return {status, "application/json", json_error(code, message), {}};
}

Result<tcp::endpoint> parse_endpoint(const std::string& listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos)
        return Status{errc::invalid_argument, "server.listen must be host:port"};
    std::string host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    error_code ec;
    const auto address = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
    if (ec) return Status{errc::invalid_argument, "server.listen: not an IP address: " + host};
    unsigned long port = 0;
    try {
        port = std::stoul(listen.substr(colon + 1));
    } catch (const std::exception&) {
        port = 65536;
    }
    if (port > 65535) return Status{errc::invalid_argument, "server.listen: bad port in " + listen};
    return tcp::endpoint(address, static_cast<unsigned short>(port));
}

}  // namespace

struct Server::Impl {
    std::vector<Loop*> loops;
    ServerOptions options;
    HttpHandler& http_handler;
    WsFactory& ws_factory;
    tcp::acceptor acceptor;
    asio::steady_timer backoff;
    std::size_t next_loop = 0;
    std::atomic<bool> accepting{false};
    std::atomic<std::size_t> http_sessions{0};

    Impl(std::vector<Loop*> l, ServerOptions o, HttpHandler& h, WsFactory& w)
        : loops(std::move(l))
        , options(std::move(o))
        , http_handler(h)
        , ws_factory(w)
        , acceptor(loops.front()->io())
        , backoff(loops.front()->io()) {}

    void accept_next() {
        if (!accepting) return;
        Loop& loop = *loops[next_loop++ % loops.size()];
        acceptor.async_accept(loop.io(), [this, &loop](const error_code& ec, tcp::socket socket) {
            if (!accepting) return;
            if (ec) {
                // EMFILE and friends: back off instead of spinning on a full descriptor table.
                MUSTER_LOG_WARN("net") << "accept failed: " << ec.message();
                backoff.expires_after(std::chrono::milliseconds(100));
                backoff.async_wait([this](const error_code& e) {
                    if (!e) accept_next();
                });
                return;
            }
            asio::co_spawn(loop.io(), session(loop, std::move(socket)), asio::detached);
            accept_next();
        });
    }

    asio::awaitable<void> session(Loop& loop, tcp::socket socket) {
        http_sessions.fetch_add(1);
        struct Count {
            std::atomic<std::size_t>& n;
            ~Count() { n.fetch_sub(1); }
        } count{http_sessions};

        beast::tcp_stream stream(std::move(socket));
        beast::flat_buffer buffer;
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(options.max_body_bytes);
            stream.expires_after(std::chrono::seconds(options.idle_timeout_s));
            auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
            if (ec == http::error::body_limit) {
                co_await write(stream, error_response(413, "TOO_LARGE", "request body too large"),
                               false);
                break;
            }
            if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
                ec == asio::error::eof)
                break;
            if (ec) {
                if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
                    co_await write(
                        stream, error_response(400, "BAD_FRAME", "malformed HTTP request"), false);
                }
                break;
            }
            auto& request = parser.get();
            const std::string_view target(request.target().data(), request.target().size());
            const std::string_view path = target.substr(0, target.find('?'));

            if (path == options.ws_path) {
                if (request.find(http::field::upgrade) != request.end()) {
                    co_await upgrade(loop, stream, buffer, request);
                    co_return;
                }
                // A plain GET of the WebSocket endpoint: say what it needs (RFC 9110 426).
                auto refused = error_response(426, "BAD_FRAME", "WebSocket upgrade required");
                refused.headers.emplace_back("Upgrade", "websocket");
                if (!co_await write(stream, refused, request.keep_alive()) || !request.keep_alive())
                    break;
                continue;
            }

            HttpRequest r;
            r.method = std::string(request.method_string());
            r.target = std::string(target);
            r.authorization = std::string(request[http::field::authorization]);
            r.content_type = std::string(request[http::field::content_type]);
            r.body = std::move(request.body());
            const bool keep_alive = request.keep_alive();
            stream.expires_never();
            Result<HttpResponse> response = co_await async_call<HttpResponse>(
                [this, &r](Done<HttpResponse> done) {
                    http_handler.handle_http(std::move(r), std::move(done));
                },
                asio::use_awaitable);
            if (!response) {
                response = error_response(500, "INTERNAL", response.status().message());
            }
            stream.expires_after(std::chrono::seconds(options.idle_timeout_s));
            if (!co_await write(stream, *response, keep_alive) || !keep_alive) break;
        }
        error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }

    asio::awaitable<bool> write(beast::tcp_stream& stream, const HttpResponse& r, bool keep_alive) {
        http::response<http::string_body> response{static_cast<http::status>(r.status), 11};
        response.set(http::field::server, "muster");
        response.set(http::field::content_type, r.content_type);
        response.set(http::field::cache_control, "no-store");
        for (const auto& [name, value] : r.headers) response.set(name, value);
        response.body() = r.body;
        response.keep_alive(keep_alive);
        response.prepare_payload();
        auto [ec, n] = co_await http::async_write(stream, response, use_tuple);
        co_return !ec;
    }

    asio::awaitable<void> upgrade(Loop& loop, beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                  http::request<http::string_body>& request) {
        auto header = [&request](http::field f) {
            const auto s = request[f];
            return std::string_view(s.data(), s.size());
        };
        UpgradeRequest upgrade;
        const auto method = request.method_string();
        upgrade.method = std::string_view(method.data(), method.size());
        upgrade.upgrade = header(http::field::upgrade);
        upgrade.connection = header(http::field::connection);
        upgrade.key = header(http::field::sec_websocket_key);
        upgrade.version = header(http::field::sec_websocket_version);
        upgrade.protocols = header(http::field::sec_websocket_protocol);

        static constexpr std::array<std::string_view, 2> supported{ws_protocol_binary,
                                                                   ws_protocol_json};
        UpgradeDecision decision = decide_upgrade(upgrade, supported);
        if (!decision.accepted) {
            co_await write(stream, error_response(400, "BAD_FRAME", decision.error), false);
            co_return;
        }
        if (!ws_factory.ws_capacity()) {
            co_await write(stream, error_response(503, "UNAVAILABLE", "connection limit reached"),
                           false);
            co_return;
        }
        stream.expires_never();
        auto [ec, n] =
            co_await asio::async_write(stream.socket(), asio::buffer(decision.response), use_tuple);
        if (ec) co_return;
        // Bytes the client sent right behind its request belong to the WebSocket stream.
        std::string leftover(static_cast<const char*>(buffer.data().data()), buffer.size());
        auto connection = ws_factory.make_ws(loop, stream.release_socket(), decision.protocol);
        if (connection) connection->start(std::move(leftover));
    }
};

Server::Server(std::vector<Loop*> loops, ServerOptions options, HttpHandler& http, WsFactory& ws)
    : impl_(std::make_unique<Impl>(std::move(loops), std::move(options), http, ws)) {}

Server::~Server() = default;

Result<tcp::endpoint> Server::start() {
    auto endpoint = parse_endpoint(impl_->options.listen);
    if (!endpoint) return endpoint.status();
    error_code ec;
    auto& acceptor = impl_->acceptor;
    acceptor.open(endpoint->protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(*endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        return Status{errc::unavailable,
                      "cannot listen on " + impl_->options.listen + ": " + ec.message()};
    impl_->accepting = true;
    asio::post(acceptor.get_executor(), [impl = impl_.get()] { impl->accept_next(); });
    return acceptor.local_endpoint();
}

void Server::stop_accepting() {
    impl_->accepting = false;
    asio::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
        error_code ec;
        impl->acceptor.close(ec);
        impl->backoff.cancel();
    });
}

std::size_t Server::http_connections() const {
    return impl_->http_sessions.load();
}

}  // namespace muster::net
