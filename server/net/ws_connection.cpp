#include "net/ws_connection.hpp"

#include <array>
#include <cerrno>
#include <sys/socket.h>

#include <boost/asio/post.hpp>

#include "core/metrics.hpp"

namespace muster::net {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
// Queue capacity kept after the queue empties; a longer vector is released, so that idle
// connections hold no outbound memory.
constexpr std::size_t kept_queue_capacity = 8;
}  // namespace

WsConnection::WsConnection(Loop& loop, asio::ip::tcp::socket socket, const WsLimits& limits)
    : loop_(loop), socket_(std::move(socket)), limits_(limits) {}

WsConnection::~WsConnection() = default;

void WsConnection::start(std::string initial) {
    error_code ec;
    socket_.non_blocking(true, ec);
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);  // we coalesce ourselves
    last_read_ms_ = steady_ms();
    loop_.attach(shared_from_this());
    if (!initial.empty()) ingest(initial.data(), initial.size());
    if (state_ != State::closed && !paused_) wait_readable();
}

// ---- reading --------------------------------------------------------------------------------

void WsConnection::wait_readable() {
    if (read_waiting_ || paused_ || state_ == State::closed) return;
    read_waiting_ = true;
    socket_.async_wait(asio::ip::tcp::socket::wait_read,
                       [self = shared_from_this()](const error_code& ec) {
                           self->read_waiting_ = false;
                           if (ec) {
                               if (ec != asio::error::operation_aborted) self->teardown();
                               return;
                           }
                           self->on_readable();
                       });
}

void WsConnection::on_readable() {
    if (state_ == State::closed) return;
    last_read_ms_ = steady_ms();
    // A few reads per readiness at most, so one busy client cannot starve the loop.
    for (int round = 0; round < 4; ++round) {
        const std::span<char> buffer = loop_.read_buffer();
        error_code ec;
        const std::size_t n = socket_.read_some(asio::buffer(buffer.data(), buffer.size()), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) break;
        if (ec) {  // EOF or reset: the peer is gone
            teardown();
            return;
        }
        LoopStats::add(loop_.stats().bytes_in, n);
        ingest(buffer.data(), n);
        if (state_ == State::closed || paused_) return;  // resume_reading() re-arms
        if (n < buffer.size()) break;
    }
    wait_readable();
}

void WsConnection::ingest(char* data, std::size_t size) {
    if (pending_.empty()) {
        const std::size_t used = parse(data, size);
        if (used < size && state_ != State::closed) pending_.assign(data + used, size - used);
        return;
    }
    pending_.append(data, size);
    const std::size_t used = parse(pending_.data(), pending_.size());
    if (state_ == State::closed) return;
    pending_.erase(0, used);
    if (pending_.empty() && pending_.capacity() > 4096) std::string().swap(pending_);
}

void WsConnection::reparse_pending() {
    const std::size_t used = parse(pending_.data(), pending_.size());
    if (state_ != State::closed) pending_.erase(0, used);
}

std::size_t WsConnection::parse(char* data, std::size_t size) {
    std::size_t offset = 0;
    in_parse_ = true;
    while (state_ != State::closed && !paused_ && offset < size) {
        const ParseResult r =
            parse_client_frame(data + offset, size - offset, limits_.max_message_bytes);
        if (r.status == ParseStatus::need_more) break;
        if (r.status == ParseStatus::error) {
            protocol_failure(r.close_code, r.reason);
            offset = size;  // nothing after a broken frame can be trusted
            break;
        }
        offset += r.consumed;
        handle_frame(r.frame);
    }
    in_parse_ = false;
    return offset;
}

void WsConnection::handle_frame(const ClientFrame& frame) {
    switch (frame.opcode) {
        case Opcode::ping:
            if (state_ == State::open) answer_ping(frame.payload);
            return;
        case Opcode::pong:
            return;  // its arrival already counted as activity
        case Opcode::close:
            peer_closed(frame.payload);
            return;
        default:
            break;
    }
    if (state_ != State::open) return;  // closing: data is no longer read
    LoopStats::add(loop_.stats().frames_in, 1);

    if (frame.opcode == Opcode::continuation) {
        if (!fragmented_)
            return protocol_failure(close_code::protocol_error, "continuation without a message");
        if (message_.size() + frame.payload.size() > limits_.max_message_bytes) {
            return protocol_failure(close_code::too_big, "message too large");
        }
        message_.append(frame.payload);
        if (!frame.fin) return;
        fragmented_ = false;
        const std::string message = std::move(message_);
        message_ = std::string();
        deliver(message, message_text_);
        return;
    }
    if (fragmented_)
        return protocol_failure(close_code::protocol_error, "new message inside a fragmented one");
    if (!frame.fin) {
        fragmented_ = true;
        message_text_ = frame.opcode == Opcode::text;
        message_.assign(frame.payload);
        return;
    }
    deliver(frame.payload, frame.opcode == Opcode::text);
}

void WsConnection::deliver(std::string_view payload, bool text) {
    if (text && !valid_utf8(payload))
        return protocol_failure(close_code::invalid_payload, "text is not UTF-8");
    on_message(payload, text);
}

void WsConnection::protocol_failure(std::uint16_t code, const char* reason) {
    close_now(code, reason);
}

void WsConnection::peer_closed(std::string_view payload) {
    peer_close_received_ = true;
    if (state_ == State::open) {
        // Echo the peer's code (RFC 6455 §5.5.1), then close the TCP connection once it is out;
        // a close frame that breaks §7.4 is answered 1002 (or 1007 for its reason) instead.
        std::uint16_t code = close_code::normal;
        if (payload.size() == 1)
            return protocol_failure(close_code::protocol_error, "close frame of one byte");
        if (payload.size() >= 2) {
            code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                              static_cast<unsigned char>(payload[1]));
            if (!valid_received_close_code(code))
                return protocol_failure(close_code::protocol_error, "invalid close code");
            if (!valid_utf8(payload.substr(2)))
                return protocol_failure(close_code::invalid_payload, "close reason is not UTF-8");
        }
        close(code, {});
        return;
    }
    if (state_ == State::closing && head_ == queue_.size()) teardown();  // our close is out too
}

void WsConnection::pause_reading() {
    paused_ = true;
}

void WsConnection::resume_reading() {
    if (!paused_) return;
    paused_ = false;
    if (in_parse_) return;  // the parse loop in progress simply continues
    // Not from inside a handler of ours: complete frames may wait in pending_.
    asio::post(loop_.io(), [self = shared_from_this()] {
        if (self->state_ == State::closed || self->paused_) return;
        if (!self->pending_.empty()) self->reparse_pending();
        if (self->state_ != State::closed && !self->paused_) self->wait_readable();
    });
}

// ---- writing --------------------------------------------------------------------------------

bool WsConnection::send_frame(SharedBytes frame) {
    if (state_ != State::open) return false;
    return enqueue(std::move(frame), false);
}

bool WsConnection::send_message(std::string_view payload, bool text) {
    return send_frame(make_shared_bytes(make_frame(text ? Opcode::text : Opcode::binary, payload)));
}

void WsConnection::answer_ping(std::string_view payload) {
    char header[max_frame_header];
    const std::size_t header_size = write_frame_header(Opcode::pong, payload.size(), header);
    // A pong still waiting in the queue (none of it written) answers this ping instead: only
    // the latest ping is answered (RFC 6455 §5.5.3), so a client that pings and never reads
    // holds one pong here, not one per ping.
    const bool waiting = pong_ && pong_slot_ >= head_ && pong_slot_ < queue_.size() &&
                         queue_[pong_slot_].get() == pong_.get() &&
                         (pong_slot_ != head_ || front_offset_ == 0);
    if (waiting) {
        queued_bytes_ -= pong_->size();
        pong_->assign(header, header_size).append(payload);
        queued_bytes_ += pong_->size();
        return;
    }
    // The buffer is reused once the last pong has left (nobody else holds it), so steady
    // pinging allocates nothing; control frames carry at most 125 bytes.
    if (!pong_ || pong_.use_count() != 1) {
        pong_ = std::make_shared<std::string>();
        pong_->reserve(max_frame_header + 125);
    }
    pong_->assign(header, header_size).append(payload);
    if (enqueue(pong_, false)) pong_slot_ = queue_.size() - 1;
}

bool WsConnection::enqueue(SharedBytes frame, bool close_frame) {
    if (state_ == State::closed) return false;
    // Every frame but our close counts against the bound, pongs and pings included: a client
    // cannot grow the queue by sending control frames it never reads the answers to.
    if (!close_frame && queued_bytes_ + frame->size() > limits_.outbound_queue_bytes) {
        static auto& slow =
            metrics::registry().counter("muster_slow_consumer_closes_total",
                                        "Connections closed because their outbound queue was full");
        slow.inc();
        close_now(close_code::slow_consumer, "slow consumer");
        return false;
    }
    queued_bytes_ += frame->size();
    queue_.push_back(std::move(frame));
    request_flush();
    return true;
}

void WsConnection::request_flush() {
    if (write_waiting_ || flush_scheduled_) return;
    flush_scheduled_ = true;
    loop_.schedule_flush(shared_from_this());
}

void WsConnection::flush() {
    const std::span<iovec> slots = loop_.iov_scratch();
    for (std::size_t count = gather(slots); count != 0; count = gather(slots)) {
        if (!wrote(write_now(slots.first(count)))) return;
    }
}

std::size_t WsConnection::gather(std::span<iovec> out) {
    flush_scheduled_ = false;
    if (state_ == State::closed || write_waiting_) return 0;
    if (head_ >= queue_.size()) {
        queue_emptied();
        return 0;
    }
    std::size_t count = 0;
    for (std::size_t i = head_; i < queue_.size() && count < out.size(); ++i) {
        const std::string& frame = *queue_[i];
        const std::size_t offset = i == head_ ? front_offset_ : 0;
        // iovec wants a mutable pointer; sendmsg only reads through it.
        out[count++] = iovec{const_cast<char*>(frame.data() + offset), frame.size() - offset};
    }
    return count;
}

std::int64_t WsConnection::write_now(std::span<iovec> slots) {
    constexpr int flags = MSG_DONTWAIT | MSG_NOSIGNAL;
    const int fd = socket_.native_handle();
    ssize_t n = 0;
    do {
        if (slots.size() == 1) {
            // One frame (the common case at a steady rate): send(2), without sendmsg's iovec.
            n = ::send(fd, slots[0].iov_base, slots[0].iov_len, flags);
        } else {
            msghdr header{};
            header.msg_iov = slots.data();
            header.msg_iovlen = slots.size();
            n = ::sendmsg(fd, &header, flags);
        }
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

bool WsConnection::wrote(std::int64_t result) {
    if (state_ == State::closed) return false;
    if (result == -EAGAIN || result == -EWOULDBLOCK) {
        wait_writable();
        return false;
    }
    if (result < 0) {
        teardown();
        return false;
    }
    LoopStats::add(loop_.stats().writes, 1);
    LoopStats::add(loop_.stats().bytes_out, static_cast<std::uint64_t>(result));
    consume(static_cast<std::size_t>(result));
    return true;
}

void WsConnection::sent(int result) {
    // A partial write, or more frames than one gather: the plain path goes on.
    if (wrote(result)) flush();
}

void WsConnection::wait_writable() {
    write_waiting_ = true;
    socket_.async_wait(asio::ip::tcp::socket::wait_write,
                       [self = shared_from_this()](const error_code& ec) {
                           self->write_waiting_ = false;
                           if (ec) {
                               if (ec != asio::error::operation_aborted) self->teardown();
                               return;
                           }
                           self->flush();
                       });
}

void WsConnection::consume(std::size_t written) {
    queued_bytes_ -= written;
    std::uint64_t frames = 0;
    while (written > 0) {
        const std::size_t left = queue_[head_]->size() - front_offset_;
        if (written < left) {
            front_offset_ += static_cast<std::uint32_t>(written);
            break;
        }
        written -= left;
        queue_[head_].reset();
        ++head_;
        front_offset_ = 0;
        ++frames;
    }
    LoopStats::add(loop_.stats().frames_out, frames);
    if (drain_wanted_ && queued_bytes_ <= limits_.outbound_queue_bytes / 4) {
        drain_wanted_ = false;
        on_drained();
    }
}

void WsConnection::queue_emptied() {
    queue_.clear();
    head_ = 0;
    front_offset_ = 0;
    if (queue_.capacity() > kept_queue_capacity) std::vector<SharedBytes>().swap(queue_);
    if (close_queued_ && peer_close_received_) teardown();
}

void WsConnection::notify_when_drained() {
    if (queued_bytes_ <= limits_.outbound_queue_bytes / 4) {
        on_drained();
        return;
    }
    drain_wanted_ = true;
}

// ---- closing --------------------------------------------------------------------------------

void WsConnection::close(std::uint16_t code, std::string_view reason) {
    if (state_ != State::open) return;
    state_ = State::closing;
    closing_since_ms_ = steady_ms();
    close_code_ = code;
    fragmented_ = false;
    std::string().swap(message_);
    close_queued_ = true;
    enqueue(make_shared_bytes(make_close_frame(code, reason)), true);
}

void WsConnection::close_now(std::uint16_t code, std::string_view reason) {
    if (state_ != State::open) return;
    // Keep a frame the socket has taken part of: cutting it would corrupt the stream.
    const std::size_t keep = head_ + (front_offset_ > 0 ? 1 : 0);
    for (std::size_t i = keep; i < queue_.size(); ++i) queued_bytes_ -= queue_[i]->size();
    queue_.resize(std::max<std::size_t>(keep, head_));
    close(code, reason);
}

void WsConnection::tick(std::int64_t now_ms) {
    const auto self = shared_from_this();  // tick may tear down
    if (state_ == State::closing) {
        if (now_ms - closing_since_ms_ >= limits_.close_timeout_ms) teardown();
        return;
    }
    if (state_ != State::open) return;
    // Idle only after a ping went unanswered: the sweep's one-second steps could otherwise
    // jump past both thresholds at once and close a peer that was never asked.
    if (now_ms - last_read_ms_ >= limits_.idle_timeout_ms && last_ping_ms_ > last_read_ms_) {
        // Nothing heard, not even a pong: the peer is most likely gone. Say so anyway (a peer
        // that is merely stuck learns why), then give up after the close timeout.
        close_now(close_code::policy, "idle timeout: no pong");
        return;
    }
    if (now_ms - std::max(last_read_ms_, last_ping_ms_) >= limits_.ping_interval_ms) {
        last_ping_ms_ = now_ms;
        enqueue(make_shared_bytes(make_frame(Opcode::ping, {})), false);
    }
    on_tick(now_ms);
}

void WsConnection::teardown() {
    if (state_ == State::closed) return;
    const auto self = shared_from_this();
    state_ = State::closed;
    error_code ec;
    socket_.close(ec);  // cancels pending waits; their handlers see operation_aborted
    queue_.clear();
    std::vector<SharedBytes>().swap(queue_);
    queued_bytes_ = 0;
    pong_.reset();
    std::string().swap(pending_);
    std::string().swap(message_);
    loop_.detach(*this);
    on_closed();
}

}  // namespace muster::net
