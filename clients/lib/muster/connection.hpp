#pragma once
// One WebSocket connection to musterd, synchronous from the caller's side.
//
// Each Connection runs its own single-threaded io_context, only inside its calls. A receive
// keeps one read in flight across calls: when it times out the read stays pending and the next
// receive goes on waiting for the same message, so a timeout never breaks the stream (Beast
// gives no guarantee after cancelling a read). No read runs between calls, which lets tests
// play a slow consumer simply by not calling receive.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "muster/codec.hpp"
#include "muster/outcome.hpp"
#include "muster/v1/frame.pb.h"

namespace muster::client {

struct ConnectOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
    std::string target = "/ws";
    Encoding encoding = Encoding::proto;
    std::chrono::milliseconds timeout{10000};         // TCP connect + handshake; each send; close
    std::size_t read_message_max = 64 * 1024 * 1024;  // bigger than any server limit we test
    int receive_buffer_bytes = 0;  // SO_RCVBUF when > 0: slow-consumer tests make it small
    std::vector<std::pair<std::string, std::string>> headers;  // extra handshake headers
};

struct CloseInfo {
    std::uint16_t code = 0;  // as sent by the server; 1006 when the TCP stream just ended
    std::string reason;
};

class Connection {
  public:
    // TCP connect and WebSocket handshake offering `subprotocol(options.encoding)`.
    static Outcome<Connection> open(const ConnectOptions& options);

    Connection(Connection&&) noexcept;
    Connection& operator=(Connection&&) noexcept;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    // Closes politely (1000) when still open, waiting at most 2 s for the server's close frame:
    // call abort() first where the server is known to be frozen (SIGSTOP tests).
    ~Connection();

    // In the negotiated encoding.
    Outcome<void> send(const v1::ClientFrame& frame);
    // Exactly these bytes in one message: malformed-input tests.
    Outcome<void> send_raw(std::string_view bytes, FrameType type);

    // The next message as received / decoded. Failure kinds: timeout (still usable), closed
    // (close_code, close_reason), decode (receive only; the connection stays usable), io.
    Outcome<Message> receive_message(std::chrono::milliseconds timeout);
    Outcome<v1::ServerFrame> receive(std::chrono::milliseconds timeout);

    // Close handshake: sends a close frame and waits for the server's (deadline: options'
    // timeout), then drops the TCP connection. Messages still in flight are discarded.
    Outcome<void> close(std::uint16_t code = 1000, std::string_view reason = {});
    // Drops the TCP connection without a close frame: a client that vanished.
    void abort();

    // False once closed by either side or after an I/O error.
    [[nodiscard]] bool is_open() const;
    // Set once the connection ended: what the server sent (or 1006).
    [[nodiscard]] const std::optional<CloseInfo>& close_info() const;
    [[nodiscard]] Encoding encoding() const;
    // The subprotocol the server accepted ("" when none).
    [[nodiscard]] const std::string& subprotocol() const;
    [[nodiscard]] std::uint16_t local_port() const;

  private:
    struct Impl;
    explicit Connection(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace muster::client
