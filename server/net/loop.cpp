#include "net/loop.hpp"

#include <chrono>

#include <boost/asio/post.hpp>

#include "net/batched_send.hpp"
#include "net/ws_connection.hpp"

namespace muster::net {

std::int64_t steady_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

Loop::Loop(unsigned index, std::size_t read_buffer_bytes)
    : index_(index)
    , read_buffer_bytes_(read_buffer_bytes)
    , read_buffer_(std::make_unique<char[]>(read_buffer_bytes)) {}

Loop::~Loop() = default;

void Loop::schedule_flush(std::shared_ptr<WsConnection> connection) {
    flush_list_.push_back(std::move(connection));
    // The first frame of a turn posts the flush; handlers already queued run before it, so
    // everything they queue leaves in the same pass.
    if (flush_list_.size() == 1) boost::asio::post(io_, [this] { run_flushes(); });
}

bool Loop::enable_batched_send() {
    batched_ = BatchedSender::create();
    return batched_ != nullptr;
}

void Loop::run_flushes() {
    flushing_.swap(flush_list_);
    // One socket: a plain write is one system call either way.
    if (batched_ && flushing_.size() > 1 && !batched_->failed()) {
        batched_->send_all(flushing_);
    } else {
        for (auto& connection : flushing_) connection->flush();
    }
    flushing_.clear();
}

void Loop::attach(std::shared_ptr<WsConnection> connection) {
    connection->loop_slot_ = connections_.size();
    connections_.push_back(std::move(connection));
    stats_.connections.store(static_cast<std::int64_t>(connections_.size()),
                             std::memory_order_relaxed);
}

void Loop::detach(WsConnection& connection) {
    const std::size_t slot = connection.loop_slot_;
    if (slot >= connections_.size() || connections_[slot].get() != &connection) return;
    // Swap-remove keeps detach O(1); the sweep iterates downwards so that this is safe.
    if (slot + 1 != connections_.size()) {
        connections_[slot] = std::move(connections_.back());
        connections_[slot]->loop_slot_ = slot;
    }
    connections_.pop_back();
    connection.loop_slot_ = static_cast<std::size_t>(-1);
    stats_.connections.store(static_cast<std::int64_t>(connections_.size()),
                             std::memory_order_relaxed);
}

void Loop::start_sweep() {
    sweeping_ = true;
    sweep_timer_.expires_after(std::chrono::seconds(1));
    sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec && sweeping_) sweep();
    });
}

void Loop::stop_sweep() {
    sweeping_ = false;
    sweep_timer_.cancel();
}

void Loop::sweep() {
    const std::int64_t now = steady_ms();
    // O(connections) once a second: ~20 ns each, well under a millisecond at 18k.
    for_each_connection([now](WsConnection& connection) { connection.tick(now); });
    start_sweep();
}

}  // namespace muster::net
