#pragma once
// One WebSocket connection after the handshake: reads client frames, writes queued frames.
//
// - Reading waits for readiness and then reads into the loop's shared buffer; a connection
//   owns input bytes only while a frame is incomplete (uWebSockets' model: idle connections
//   hold no buffers).
// - Writing sends already framed bytes (SharedBytes shared by every receiver of a broadcast).
//   Frames queued in one loop turn go out in one writev; the socket is written without an
//   Asio operation when the kernel takes the bytes at once, and waits for writability only
//   when it does not.
// - The outbound queue is bounded in bytes: past limits().outbound_queue_bytes the connection is
//   closed with 4000 (slow consumer); the client resumes from the log, losing nothing. Pongs and
//   pings count too (only our close frame does not); a ping is answered by rewriting a pong
//   still waiting in the queue, so pings never read hold one pong, not one per ping.
// - Close frames from the peer are checked (RFC 6455 §7.4): a one-byte payload or a code that
//   may not be sent (0, 1005, 1006, 1015, ...) is answered 1002, a reason that is not UTF-8
//   1007; a valid code is echoed.
// - Lifetime: the loop holds the connection until it is closed; pending operations hold it
//   through shared_from_this.
//
// The application derives from it (node/client.hpp) and implements on_message/on_closed.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <sys/uio.h>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "core/bytes.hpp"
#include "net/loop.hpp"
#include "net/ws_frame.hpp"

namespace muster::net {

struct WsLimits {
    std::size_t max_message_bytes = 64 * 1024;
    std::size_t outbound_queue_bytes = 1024 * 1024;
    std::int64_t ping_interval_ms = 25'000;
    std::int64_t idle_timeout_ms = 60'000;
    std::int64_t close_timeout_ms = 5'000;  // how long to wait for the peer's close frame
};

class WsConnection : public std::enable_shared_from_this<WsConnection> {
  public:
    WsConnection(Loop& loop, boost::asio::ip::tcp::socket socket, const WsLimits& limits);
    virtual ~WsConnection();
    WsConnection(const WsConnection&) = delete;
    WsConnection& operator=(const WsConnection&) = delete;

    // Starts reading; `initial` holds bytes read past the HTTP upgrade request, if any.
    void start(std::string initial);

    // Queues a complete frame (make_frame). False, and nothing queued, once closing.
    bool send_frame(SharedBytes frame);
    // Frames and queues one message.
    bool send_message(std::string_view payload, bool text);

    // Sends a close frame after what is queued and waits (bounded) for the peer's.
    void close(std::uint16_t code, std::string_view reason);
    // Drops what is queued (but a frame already half written) and closes.
    void close_now(std::uint16_t code, std::string_view reason);

    // Stops and restarts reading (back-pressure: too many commands in flight, queue too full).
    void pause_reading();
    void resume_reading();

    // on_drained() is called once the queue is below a quarter of its bound.
    void notify_when_drained();

    [[nodiscard]] bool is_open() const { return state_ == State::open; }
    [[nodiscard]] std::size_t queued_bytes() const { return queued_bytes_; }
    [[nodiscard]] const WsLimits& limits() const { return limits_; }
    [[nodiscard]] Loop& loop() const { return loop_; }
    [[nodiscard]] std::uint16_t close_code() const { return close_code_; }

  protected:
    // A complete message; `payload` is valid during the call only.
    virtual void on_message(std::string_view payload, bool text) = 0;
    // The connection is gone; called once. No more sends are possible.
    virtual void on_closed() = 0;
    // Once a second, from the loop's sweep, while open.
    virtual void on_tick(std::int64_t /*now_ms*/) {}
    virtual void on_drained() {}

  private:
    friend class Loop;
    friend class BatchedSender;
    enum class State : std::uint8_t { open, closing, closed };

    void wait_readable();
    void on_readable();
    void ingest(char* data, std::size_t size);
    void reparse_pending();
    std::size_t parse(char* data, std::size_t size);
    void handle_frame(const ClientFrame& frame);
    void deliver(std::string_view payload, bool text);
    void protocol_failure(std::uint16_t code, const char* reason);
    void peer_closed(std::string_view payload);

    void answer_ping(std::string_view payload);
    bool enqueue(SharedBytes frame, bool close_frame);
    void request_flush();
    void flush();  // called by the loop: gather, write_now and wrote until nothing is left
    // What is queued, as iovecs (at most out.size()); 0 when there is nothing to send now
    // (closed, waiting for the socket, or the queue is empty: then it is reset).
    std::size_t gather(std::span<iovec> out);
    // One send(2) / sendmsg(2) of gathered frames: bytes written, or -errno.
    std::int64_t write_now(std::span<iovec> slots);
    // Accounts for a write's outcome; true when the socket took it all and more may be queued.
    bool wrote(std::int64_t result);
    // The outcome of a write BatchedSender made for this connection.
    void sent(int result);
    int native_fd() { return socket_.native_handle(); }
    void wait_writable();
    void consume(std::size_t written);
    void queue_emptied();
    void tick(std::int64_t now_ms);  // called by the loop
    void teardown();

    Loop& loop_;
    boost::asio::ip::tcp::socket socket_;
    const WsLimits& limits_;

    // Outbound: frames from head_ on; the first has front_offset_ bytes written already.
    std::vector<SharedBytes> queue_;
    std::uint32_t head_ = 0;
    std::uint32_t front_offset_ = 0;
    std::size_t queued_bytes_ = 0;

    // The last pong queued, and where: rewritten in place while none of it is written.
    std::shared_ptr<std::string> pong_;
    std::size_t pong_slot_ = 0;

    std::string pending_;  // an incomplete frame (only between reads)
    std::string message_;  // a fragmented message being assembled

    std::size_t loop_slot_ = static_cast<std::size_t>(-1);
    std::int64_t last_read_ms_ = 0;
    std::int64_t last_ping_ms_ = 0;
    std::int64_t closing_since_ms_ = 0;
    std::uint16_t close_code_ = 0;
    State state_ = State::open;
    bool message_text_ = false;
    bool fragmented_ = false;
    bool read_waiting_ = false;
    bool write_waiting_ = false;
    bool flush_scheduled_ = false;
    bool paused_ = false;
    bool close_queued_ = false;
    bool peer_close_received_ = false;
    bool drain_wanted_ = false;
    bool in_parse_ = false;
};

}  // namespace muster::net
