#pragma once
// Every socket write of one loop turn in one system call (io_uring), instead of one send(2)
// per socket.
//
// Why: at a steady rate each message is one small write per subscriber, nothing to coalesce,
// and on this kind of machine the system call's entry and exit are a large part of what a
// write costs (bench/README.md: the raw floor with io_uring costs ~20 % less per delivery).
// The sends still run inline, in the submitting thread, in order: MSG_DONTWAIT makes a socket
// that is full answer -EAGAIN at once, and the connection then waits for it to drain as it
// does without batching. Nothing stays in flight after send_all() returns.
//
// Optional: create() returns null when the kernel has no io_uring, forbids it, or does not
// answer -EAGAIN inline (checked once on a socket pair), and the loop writes socket by socket.

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

struct iovec;
struct msghdr;

namespace muster::net {

class WsConnection;

class BatchedSender {
  public:
    // `batch`: sockets per submission (a larger turn takes several).
    static std::unique_ptr<BatchedSender> create(unsigned batch = 512);
    ~BatchedSender();
    BatchedSender(const BatchedSender&) = delete;
    BatchedSender& operator=(const BatchedSender&) = delete;

    // Sends what each connection has queued, then tells each how it went (in order).
    void send_all(std::span<const std::shared_ptr<WsConnection>> connections);
    // A submission failed: the loop goes back to plain writes.
    [[nodiscard]] bool failed() const { return failed_; }

  private:
    struct Ring;
    explicit BatchedSender(std::unique_ptr<Ring> ring, unsigned batch);
    void send_chunk(std::span<const std::shared_ptr<WsConnection>> chunk);
    void reap(unsigned count);  // fills results_

    std::unique_ptr<Ring> ring_;
    unsigned batch_;
    std::vector<iovec> iovecs_;        // iovecs_per_socket per connection of a chunk
    std::vector<msghdr> headers_;      // per connection of a chunk (sendmsg)
    std::vector<int> results_;         // per connection of a chunk: bytes sent or -errno
    std::vector<std::size_t> counts_;  // iovecs gathered per connection (0: nothing to send)
    bool failed_ = false;
};

}  // namespace muster::net
