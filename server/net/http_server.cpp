// The only translation unit of the server that instantiates Beast (HTTP parsing and writing).
#include "net/http_server.hpp"

#include <array>
#include <atomic>
#include <optional>
#include <sys/resource.h>
#include <tuple>

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

// Transfer-Encoding, as RFC 9112 §6.1 and §6.3 want it read: only "chunked" is decoded here.
// Codings before it (gzip, chunked) are 501; a last coding that is not chunked leaves the
// body's length unknown: 400. Beast already refuses chunked with Content-Length or repeated.
std::optional<HttpResponse> transfer_encoding_refusal(
    const http::request<http::string_body>& request) {
    bool present = false;
    std::size_t codings = 0;
    bool chunked_last = false;
    for (const auto& field : request) {  // every Transfer-Encoding line, in order
        if (field.name() != http::field::transfer_encoding) continue;
        present = true;
        for (const auto coding : http::token_list{field.value()}) {
            ++codings;
            chunked_last = beast::iequals(coding, "chunked");
        }
    }
    if (!present) return std::nullopt;
    if (!chunked_last)
        return error_response(
            400, "BAD_FRAME",
            "Transfer-Encoding must end with chunked: the body length is unknown");
    if (codings > 1)
        return error_response(501, "BAD_FRAME", "Transfer-Encoding: only chunked is supported");
    return std::nullopt;
}

// The descriptor limit raised to its hard maximum, and the pre-upgrade cap kept to a quarter
// of it: the rest is for WebSocket connections, the store, Redis and the log.
AdmissionLimits clamped(AdmissionLimits limits) {
    rlimit fds{};
    if (::getrlimit(RLIMIT_NOFILE, &fds) != 0) return limits;
    if (fds.rlim_cur < fds.rlim_max) {
        rlimit raised = fds;
        raised.rlim_cur = fds.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) fds = raised;
    }
    if (fds.rlim_cur == RLIM_INFINITY) return limits;
    const std::size_t quarter = std::max<std::size_t>(16, fds.rlim_cur / 4);
    if (limits.max_pending > quarter) {
        MUSTER_LOG_WARN("net") << "limits.max_http_connections " << limits.max_pending
                               << " is more than a quarter of the descriptor limit " << fds.rlim_cur
                               << ": using " << quarter;
        limits.max_pending = quarter;
    }
    return limits;
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
    // Shared with the sessions: a session's frame may be destroyed after the server (the loops
    // destroy what is still pending when they shut down, after the node has let the server go).
    std::shared_ptr<std::atomic<std::size_t>> http_sessions =
        std::make_shared<std::atomic<std::size_t>>(0);
    Admission admission;

    Impl(std::vector<Loop*> l, ServerOptions o, HttpHandler& h, WsFactory& w)
        : loops(std::move(l))
        , options(std::move(o))
        , http_handler(h)
        , ws_factory(w)
        , acceptor(loops.front()->io())
        , backoff(loops.front()->io())
        , admission(clamped(options.admission)) {}

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
            error_code peer_ec;
            const auto peer = socket.remote_endpoint(peer_ec);
            std::shared_ptr<Admission::Ticket> ticket;
            const Admission::Verdict verdict =
                peer_ec ? Admission::Verdict::full : admission.admit(peer.address(), ticket);
            if (verdict == Admission::Verdict::admitted) {
                asio::co_spawn(loop.io(), session(loop, std::move(socket), std::move(ticket)),
                               asio::detached);
            } else if (!peer_ec) {
                asio::co_spawn(loop.io(), refuse(std::move(socket), verdict), asio::detached);
            }
            accept_next();
        });
    }

    // Over the rate (429) or full with nobody idle (503): one short answer, then close.
    asio::awaitable<void> refuse(tcp::socket socket, Admission::Verdict verdict) {
        beast::tcp_stream stream(std::move(socket));
        stream.expires_after(std::chrono::seconds(5));
        const bool over_rate = verdict == Admission::Verdict::rate_limited;
        co_await write(
            stream,
            over_rate
                ? error_response(429, "RATE_LIMITED", "too many connections from this address")
                : error_response(503, "UNAVAILABLE", "too many connections in progress"),
            false);
        co_await close_gracefully(stream);
    }

    // Closes without a reset: our answer is out (FIN), and what the client still sends is read
    // and dropped (bounded in bytes and time) until it closes too. Closing with unread bytes
    // sends an RST, which can destroy the answer before the client has read it.
    static asio::awaitable<void> close_gracefully(beast::tcp_stream& stream) {
        error_code ec;
        stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream.expires_after(std::chrono::seconds(2));
        std::array<char, 4096> sink{};
        std::size_t drained = 0;
        while (!ec && drained < 64 * 1024) {
            auto [read_ec, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
            ec = read_ec;
            drained += n;
        }
    }

    asio::awaitable<void> session(Loop& loop, tcp::socket socket,
                                  std::shared_ptr<Admission::Ticket> ticket) {
        http_sessions->fetch_add(1);
        struct Count {
            std::shared_ptr<std::atomic<std::size_t>> n;
            ~Count() { n->fetch_sub(1); }
        } count{http_sessions};

        beast::tcp_stream stream(std::move(socket));
        beast::flat_buffer buffer;
        // Evicted (idle the longest when a newcomer needed the place): closing the socket ends
        // the read this session waits in.
        ticket->on_evict(
            [&loop](std::function<void()> fn) { asio::post(loop.io(), std::move(fn)); },
            [&stream] {
                error_code ignored;
                // A request arrived meanwhile (not read yet): not idle after all, spared.
                if (stream.socket().available(ignored) > 0) return;
                stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
                stream.socket().close(ignored);
            });
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(options.max_body_bytes);
            stream.expires_after(std::chrono::seconds(options.idle_timeout_s));
            ticket->idle();
            auto [header_ec, header_n] =
                co_await http::async_read_header(stream, buffer, parser, use_tuple);
            ticket->busy();
            error_code ec = header_ec;
            if (!ec) {
                // Before any body is read: a coding we would not decode means we cannot know
                // where this request ends, and whatever we took for its end could be read as
                // a second request (smuggling). Answer and close.
                if (const auto refusal = transfer_encoding_refusal(parser.get())) {
                    co_await write(stream, *refusal, false);
                    break;
                }
                std::tie(ec, std::ignore) =
                    co_await http::async_read(stream, buffer, parser, use_tuple);
            }
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
                    error_code peer_ec;
                    const auto peer = stream.socket().remote_endpoint(peer_ec);
                    if (peer_ec || !admission.allow_handshake(peer.address())) {
                        co_await write(
                            stream,
                            error_response(429, "RATE_LIMITED",
                                           "too many WebSocket handshakes from this address"),
                            false);
                        break;
                    }
                    co_await upgrade(loop, stream, buffer, request, ticket);
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
            {
                boost::system::error_code peer_ec;
                const auto peer = stream.socket().remote_endpoint(peer_ec);
                if (!peer_ec) r.remote_address = peer.address().to_string();
            }
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
        if (stream.socket().is_open()) co_await close_gracefully(stream);
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
                                  http::request<http::string_body>& request,
                                  std::shared_ptr<Admission::Ticket>& ticket) {
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
        ticket.reset();  // a WebSocket now: counted by the application's connection limit
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
    return impl_->http_sessions->load();
}

}  // namespace muster::net
