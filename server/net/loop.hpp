#pragma once
// One event loop: an io_context run by one thread, and what its connections share.
//
// Everything a connection does happens on its loop's thread, so nothing on the message path
// takes a lock. What connections share instead of owning: one receive buffer (a connection
// keeps bytes only while a frame is incomplete), one flush pass per loop turn (every frame
// queued during a turn leaves in one writev per socket), one sweep timer (pings, idle and
// close timeouts) instead of a timer per connection.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <sys/uio.h>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace muster::net {

class BatchedSender;
class WsConnection;

// Monotonic milliseconds, for timeouts.
std::int64_t steady_ms();

// Counters updated by the loop's own thread only (relaxed load + store: no lock prefix),
// read by /metrics from any thread.
struct LoopStats {
    std::atomic<std::uint64_t> frames_in{0};
    std::atomic<std::uint64_t> bytes_in{0};
    std::atomic<std::uint64_t> frames_out{0};
    std::atomic<std::uint64_t> bytes_out{0};
    std::atomic<std::uint64_t> writes{0};  // write syscalls
    std::atomic<std::int64_t> connections{0};

    static void add(std::atomic<std::uint64_t>& counter, std::uint64_t n) {
        counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
};

class Loop {
  public:
    explicit Loop(unsigned index, std::size_t read_buffer_bytes = 64 * 1024);
    ~Loop();
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    boost::asio::io_context& io() { return io_; }
    [[nodiscard]] unsigned index() const { return index_; }
    LoopStats& stats() { return stats_; }

    // The receive buffer shared by this loop's connections. Valid until the next read.
    std::span<char> read_buffer() { return {read_buffer_.get(), read_buffer_bytes_}; }
    // Scratch iovecs for one gathered write.
    std::span<iovec> iov_scratch() { return iov_scratch_; }

    // Flushes the connection's queue at the end of this loop turn (once, however many frames
    // were queued for it meanwhile).
    void schedule_flush(std::shared_ptr<WsConnection> connection);
    // Sends each turn's writes in one io_uring submission (net/batched_send.hpp) when the
    // kernel allows it; false when it does not (the loop writes socket by socket). Before run.
    bool enable_batched_send();

    // Connections visited by the sweep. The loop holds them until they detach.
    void attach(std::shared_ptr<WsConnection> connection);
    void detach(WsConnection& connection);
    [[nodiscard]] std::size_t connection_count() const { return connections_.size(); }
    // Calls fn on every attached connection (shutdown). Must run on the loop thread.
    template <class Fn>
    void for_each_connection(Fn fn) {
        for (std::size_t i = connections_.size(); i-- > 0;) {
            if (i < connections_.size()) fn(*connections_[i]);
        }
    }

    // Starts the once-a-second sweep; stop_sweep() before the io_context stops.
    void start_sweep();
    void stop_sweep();

  private:
    void run_flushes();
    void sweep();

    unsigned index_;
    boost::asio::io_context io_{1};  // one thread: Asio may skip locking
    std::size_t read_buffer_bytes_;
    std::unique_ptr<char[]> read_buffer_;
    std::array<iovec, 64> iov_scratch_{};
    std::unique_ptr<BatchedSender> batched_;
    std::vector<std::shared_ptr<WsConnection>> flush_list_;
    std::vector<std::shared_ptr<WsConnection>> flushing_;
    std::vector<std::shared_ptr<WsConnection>> connections_;
    boost::asio::steady_timer sweep_timer_{io_};
    bool sweeping_ = false;
    LoopStats stats_;
};

}  // namespace muster::net
