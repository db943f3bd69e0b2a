#pragma once
// The event loop: one thread, epoll (level-triggered reads, EPOLLOUT only while a write is
// pending), every connection's opening sequence (TCP, upgrade, hello, subscribe), frame
// parsing in place from one shared read buffer, and writes coalesced per connection per loop
// turn. Scenarios drive it by queueing opens and publishes and calling poll(); it calls them
// back through Handler.
//
// Source addresses: connection i binds 127.0.0.(source_base + i / conns_per_source) before
// connecting (IP_BIND_ADDRESS_NO_PORT, so the port is picked per 4-tuple at connect), so that
// tens of thousands of connections to one port never run out of ephemeral ports.

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/connection.hpp"
#include "loadgen/errors.hpp"
#include "loadgen/histogram.hpp"
#include "loadgen/protocol.hpp"
#include "loadgen/ws_codec.hpp"

namespace muster::loadgen {

struct EngineOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    // Connections from index `other_from` on go to other_host:other_port (publishers on
    // another node); other_port 0 = none.
    std::string other_host;
    std::uint16_t other_port = 0;
    std::uint32_t other_from = 0;
    std::uint32_t conns_per_source = 5000;
    std::uint32_t source_base = 1;            // 127.0.0.<source_base> for the first connections
    std::uint32_t connect_concurrency = 256;  // TCP connects + handshakes in flight
};

class Handler {
  public:
    virtual ~Handler() = default;
    // The group named by index `group` (the scenario names them).
    [[nodiscard]] virtual std::string_view group_name(std::uint32_t group) const = 0;
    // The group an event names, or -1 when it is not one of the scenario's.
    [[nodiscard]] virtual std::int64_t group_index(std::string_view name) const = 0;
    // The JWT a Muster connection presents.
    virtual std::string token(const Conn& conn) = 0;
    virtual void on_ready(Conn& /*conn*/) {}
    // An event with a seq in a subscribed group, after the subscription's seq tracking.
    // `fresh`: counted once (not a duplicate).
    virtual void on_event(Conn& /*conn*/, Subscription& /*sub*/, const Incoming& /*event*/,
                          bool /*fresh*/) {}
    // A transient event (seq 0: presence) of `wire_bytes` (WebSocket header and payload).
    virtual void on_transient(Conn& /*conn*/, const Incoming& /*event*/,
                              std::size_t /*wire_bytes*/) {}
    // A reply (or an error reply) to a command sent after `ready`.
    virtual void on_reply(Conn& /*conn*/, const Incoming& /*reply*/) {}
    // The connection is gone (failed, or closed by the server); not called for close().
    virtual void on_lost(Conn& /*conn*/) {}
};

class Engine {
  public:
    Engine(EngineOptions options, const Protocol& protocol, Handler& handler,
           std::size_t connections);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    [[nodiscard]] Conn& conn(std::uint32_t index) { return conns_[index]; }
    [[nodiscard]] std::size_t size() const { return conns_.size(); }

    // Queues connection `index` to be opened (its subscriptions set beforehand).
    void open(std::uint32_t index);
    // Closes it at once, without a close handshake: a phone that lost its network.
    void close(std::uint32_t index);
    void close_all();

    // Queues a publish on a ready connection; returns the command id.
    std::uint32_t publish(Conn& conn, std::string_view group, std::string_view client_msg_id,
                          std::string_view text);

    // One loop turn: waits up to `timeout_ms` for events (0 = none, -1 = forever), handles
    // them, starts queued opens, and writes what is queued.
    void poll(int timeout_ms);
    void flush();

    // A periodic wakeup every `interval_ns` (0 = none) for paced publishing; take_tick() says
    // whether it fired since the last call.
    void set_tick(std::int64_t interval_ns);
    bool take_tick();

    [[nodiscard]] std::uint64_t ready_count() const { return ready_; }
    [[nodiscard]] std::uint64_t failed_count() const { return failed_; }
    // Connections opened and not yet ready or failed.
    [[nodiscard]] std::uint64_t opening_count() const { return in_flight_ + pending_open_.size(); }
    [[nodiscard]] std::uint64_t transient_events() const { return transient_; }
    [[nodiscard]] std::uint64_t frames_received() const { return frames_; }
    [[nodiscard]] std::int64_t last_frame_ns() const { return last_frame_ns_; }
    [[nodiscard]] Histogram& connect_latency() { return connect_latency_; }
    [[nodiscard]] Errors& errors() { return errors_; }

  private:
    void start_connect(Conn& c);
    void on_writable(Conn& c);
    void on_readable(Conn& c);
    // Parses and handles what `data` holds; returns the bytes used (the rest is incomplete).
    std::size_t consume(Conn& c, std::string_view data);
    void on_message(Conn& c, std::string_view payload);
    void after_hello(Conn& c);
    void become_ready(Conn& c);
    void send(Conn& c, Opcode opcode, std::string_view payload);
    void write_out(Conn& c);
    void set_want_out(Conn& c, bool want);
    void fail(Conn& c, std::string_view reason);
    void release(Conn& c);
    std::uint32_t next_mask();

    EngineOptions options_;
    const Protocol& protocol_;
    Handler& handler_;
    std::vector<Conn> conns_;
    int epoll_fd_ = -1;
    int timer_fd_ = -1;
    bool ticked_ = false;
    std::deque<std::uint32_t> pending_open_;
    std::uint32_t in_flight_ = 0;
    std::vector<std::uint32_t> dirty_;
    std::vector<std::uint32_t> flushing_;
    std::string read_buffer_;
    std::string scratch_;  // a payload being written, before framing
    std::string request_;  // the upgrade request (the same for every connection)
    std::uint32_t mask_state_ = 0x9E3779B9u;
    std::uint64_t ready_ = 0;
    std::uint64_t failed_ = 0;
    std::uint64_t transient_ = 0;
    std::uint64_t frames_ = 0;
    std::int64_t last_frame_ns_ = 0;
    Histogram connect_latency_;
    Errors errors_;
};

}  // namespace muster::loadgen
