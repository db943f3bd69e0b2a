#include "core/timers.hpp"

#include <chrono>

#include <boost/asio/post.hpp>

namespace muster {

namespace asio = boost::asio;

Timers::Timers(asio::any_io_executor executor, const Clock& clock)
    : executor_(std::move(executor)), clock_(clock), timer_(executor_) {}

Timers::Id Timers::at(std::int64_t when_ms, std::function<void()> fn) {
    const Id id = next_id_.fetch_add(1);
    asio::post(executor_, [this, id, when_ms, fn = std::move(fn)]() mutable {
        if (stopped_) return;
        due_.emplace(std::make_pair(when_ms, id), std::move(fn));
        deadline_of_.emplace(id, when_ms);
        run_due();
    });
    return id;
}

void Timers::cancel(Id id) {
    asio::post(executor_, [this, id] {
        const auto it = deadline_of_.find(id);
        if (it == deadline_of_.end()) return;
        due_.erase({it->second, id});
        deadline_of_.erase(it);
    });
}

void Timers::advanced() {
    asio::post(executor_, [this] { run_due(); });
}

void Timers::stop() {
    stopped_ = true;
    due_.clear();
    deadline_of_.clear();
    timer_.cancel();
}

void Timers::run_due() {
    // A callback may schedule or cancel timers: take one entry at a time.
    while (!stopped_ && !due_.empty()) {
        auto first = due_.begin();
        if (first->first.first > clock_.now_ms()) break;
        auto fn = std::move(first->second);
        deadline_of_.erase(first->first.second);
        due_.erase(first);
        fn();
    }
    arm();
}

void Timers::arm() {
    if (stopped_ || clock_.manual() || due_.empty()) return;
    // Wall-clock deadlines waited for on a steady timer: cap the wait so that a wall-clock
    // jump is noticed within a second.
    const std::int64_t wait_ms =
        std::clamp<std::int64_t>(due_.begin()->first.first - clock_.now_ms(), 0, 1000);
    timer_.expires_after(std::chrono::milliseconds(wait_ms));
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) run_due();
    });
}

}  // namespace muster
