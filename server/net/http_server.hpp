#pragma once
// The listener: accepts TCP connections (round-robin over the loops), serves HTTP/1.1 with
// keep-alive, and hands WebSocket upgrades on /ws to the application's WsFactory.
//
// Connections before the upgrade are admitted by net/admission.hpp: at most
// options.admission.max_pending at once (the one idle the longest is closed to make room for
// a new one: /healthz keeps answering when idle sockets pile up; 503 when none is idle), new
// connections and handshakes per client address rate-limited (429). A Transfer-Encoding other
// than chunked is answered 400 or 501 and the connection closed, before any body is read.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "net/admission.hpp"
#include "net/http.hpp"
#include "net/loop.hpp"
#include "net/ws_connection.hpp"

namespace muster::net {

class WsFactory {
  public:
    virtual ~WsFactory() = default;
    // Whether another WebSocket connection may be taken now (connection limit).
    virtual bool ws_capacity() const = 0;
    // The application's connection object for an accepted upgrade; the server starts it.
    virtual std::shared_ptr<WsConnection> make_ws(Loop& loop, boost::asio::ip::tcp::socket socket,
                                                  std::string_view protocol) = 0;
};

struct ServerOptions {
    std::string listen = "127.0.0.1:8080";
    std::size_t max_body_bytes = 1024 * 1024;
    unsigned idle_timeout_s = 30;
    std::string ws_path = "/ws";
    // Connections before the upgrade: their cap (clamped at start to a quarter of the
    // descriptor limit) and per-IP rates. See net/admission.hpp.
    AdmissionLimits admission;
};

class Server {
  public:
    Server(std::vector<Loop*> loops, ServerOptions options, HttpHandler& http, WsFactory& ws);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and starts accepting; the bound endpoint (the port when 0 was asked for).
    Result<boost::asio::ip::tcp::endpoint> start();
    // Stops accepting new connections. Thread-safe.
    void stop_accepting();
    // HTTP connections in progress (not WebSocket ones).
    [[nodiscard]] std::size_t http_connections() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The subprotocols /ws accepts, in order of preference.
inline constexpr std::string_view ws_protocol_binary = "muster.v1.proto";
inline constexpr std::string_view ws_protocol_json = "muster.v1.json";

}  // namespace muster::net
