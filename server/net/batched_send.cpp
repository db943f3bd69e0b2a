#include "net/batched_send.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <liburing.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "net/ws_connection.hpp"

namespace muster::net {

namespace {

// Frames gathered per socket and submission; more queued (a flood) leave in the same turn by
// the connection's own writes after this one.
constexpr std::size_t iovecs_per_socket = 16;
constexpr int send_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
constexpr int not_sent = INT32_MIN;  // a result slot the ring has not filled

// Whether a send to a full socket completes at once with -EAGAIN (rather than waiting for the
// socket inside the ring, which would leave it in flight after send_all()).
bool answers_eagain_inline(io_uring& ring) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) != 0)
        return false;
    const int small = 4096;
    ::setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    char bytes[4096] = {};
    while (::send(pair[0], bytes, sizeof bytes, MSG_DONTWAIT) > 0) {
    }
    bool inline_eagain = false;
    if (io_uring_sqe* sqe = io_uring_get_sqe(&ring)) {
        io_uring_prep_send(sqe, pair[0], bytes, sizeof bytes, send_flags);
        io_uring_submit(&ring);
        io_uring_cqe* cqe = nullptr;
        if (io_uring_peek_cqe(&ring, &cqe) == 0 && cqe != nullptr) {
            inline_eagain = cqe->res == -EAGAIN;
            io_uring_cqe_seen(&ring, cqe);
        }
    }
    // Closing the pair completes a send still waiting in the ring; the ring is then dropped.
    ::close(pair[0]);
    ::close(pair[1]);
    return inline_eagain;
}

}  // namespace

struct BatchedSender::Ring {
    io_uring ring{};
    bool ready = false;
    ~Ring() {
        if (ready) io_uring_queue_exit(&ring);
    }
};

std::unique_ptr<BatchedSender> BatchedSender::create(unsigned batch) {
    auto ring = std::make_unique<Ring>();
    // No task-work interrupts: completions are reaped in the same call that submits (5.19+;
    // older kernels refuse the flag and get a plain ring). Not SINGLE_ISSUER: the ring is
    // made on the main thread and used by the loop's.
    io_uring_params params{};
    params.flags = IORING_SETUP_COOP_TASKRUN;
    if (io_uring_queue_init_params(batch, &ring->ring, &params) != 0 &&
        io_uring_queue_init(batch, &ring->ring, 0) != 0) {
        return nullptr;
    }
    ring->ready = true;
    if (!answers_eagain_inline(ring->ring)) return nullptr;
    return std::unique_ptr<BatchedSender>(new BatchedSender(std::move(ring), batch));
}

BatchedSender::BatchedSender(std::unique_ptr<Ring> ring, unsigned batch)
    : ring_(std::move(ring))
    , batch_(batch)
    , iovecs_(static_cast<std::size_t>(batch) * iovecs_per_socket)
    , headers_(batch)
    , results_(batch)
    , counts_(batch) {}

BatchedSender::~BatchedSender() = default;

void BatchedSender::send_all(std::span<const std::shared_ptr<WsConnection>> connections) {
    while (!connections.empty()) {
        if (failed_) {
            for (const auto& connection : connections) connection->flush();
            return;
        }
        const std::size_t n = std::min<std::size_t>(connections.size(), batch_);
        send_chunk(connections.first(n));
        connections = connections.subspan(n);
    }
}

void BatchedSender::send_chunk(std::span<const std::shared_ptr<WsConnection>> chunk) {
    io_uring& ring = ring_->ring;
    unsigned submitted = 0;
    for (std::size_t i = 0; i < chunk.size(); ++i) {
        results_[i] = not_sent;
        std::span<iovec> slots(iovecs_.data() + i * iovecs_per_socket, iovecs_per_socket);
        counts_[i] = chunk[i]->gather(slots);
        if (counts_[i] == 0) continue;
        io_uring_sqe* sqe = io_uring_get_sqe(&ring);  // never null: at most batch_ per chunk
        const int fd = chunk[i]->native_fd();
        if (counts_[i] == 1) {
            io_uring_prep_send(sqe, fd, slots[0].iov_base, slots[0].iov_len, send_flags);
        } else {
            msghdr& header = headers_[i];
            header = msghdr{};
            header.msg_iov = slots.data();
            header.msg_iovlen = counts_[i];
            io_uring_prep_sendmsg(sqe, fd, &header, send_flags);
        }
        io_uring_sqe_set_data64(sqe, i);
        ++submitted;
    }
    if (submitted == 0) return;
    if (const int ret = io_uring_submit_and_wait(&ring, submitted);
        ret < 0 || static_cast<unsigned>(ret) != submitted) {
        // Nothing (or not everything) was taken: write the plain way from now on. Entries the
        // ring did take complete below like the others.
        failed_ = true;
        const unsigned taken = ret < 0 ? 0 : static_cast<unsigned>(ret);
        reap(taken);
        for (std::size_t i = 0; i < chunk.size(); ++i) {
            if (counts_[i] == 0) continue;
            if (results_[i] == not_sent) {
                chunk[i]->flush();
            } else {
                chunk[i]->sent(results_[i]);
            }
        }
        return;
    }
    reap(submitted);
    for (std::size_t i = 0; i < chunk.size(); ++i) {
        if (counts_[i] != 0) chunk[i]->sent(results_[i]);
    }
}

void BatchedSender::reap(unsigned count) {
    io_uring& ring = ring_->ring;
    for (unsigned reaped = 0; reaped < count; ++reaped) {
        io_uring_cqe* cqe = nullptr;
        // Inline completions are there already: this does not block (see create()).
        if (io_uring_wait_cqe(&ring, &cqe) != 0) {
            for (auto& result : results_) result = -EIO;
            break;
        }
        results_[io_uring_cqe_get_data64(cqe)] = cqe->res;
        io_uring_cqe_seen(&ring, cqe);
    }
}

}  // namespace muster::net
