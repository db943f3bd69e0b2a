#include "redis/loop.hpp"

#include <exception>
#include <future>

#include "core/async.hpp"
#include "core/log.hpp"
#include "core/thread_name.hpp"

namespace muster::redis {

Loop::Loop(std::string name) : name_(std::move(name)), io_(1) {
    work_.emplace(io_.get_executor());
    thread_ = std::thread([this] {
        const NonBlockingThread mark("Redis");
        name_this_thread("redis " + name_);
        for (;;) {
            try {
                io_.run();
                return;
            } catch (const std::exception& e) {
                // A handler threw (a bug): log it and keep the loop, and Redis, alive.
                MUSTER_LOG_ERROR("redis") << name_ << " loop: handler threw: " << e.what();
            }
        }
    });
    thread_id_ = thread_.get_id();
}

Loop::~Loop() {
    stop();
}

void Loop::run_blocking(const std::function<void()>& fn) {
    if (on_thread() || !thread_.joinable()) {
        fn();
        return;
    }
    std::promise<void> done;
    auto future = done.get_future();
    post([&fn, &done] {
        fn();
        done.set_value();
    });
    future.wait();
}

void Loop::stop() {
    if (!thread_.joinable() || on_thread()) return;
    work_.reset();
    io_.stop();
    thread_.join();
}

}  // namespace muster::redis
