#pragma once
// The thread every hiredis call of one component runs on: an io_context with one thread.
//
// The Redis bus and the Redis store each own one, so that hiredis (not thread-safe) needs no
// lock and the node's loops never wait on Redis: a caller posts its request here and hears
// back through its Done<T>, called on this thread.

#include <functional>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace muster::redis {

class Loop {
  public:
    explicit Loop(std::string name);
    // Stops (see stop()).
    ~Loop();
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    [[nodiscard]] boost::asio::io_context& io() { return io_; }
    [[nodiscard]] bool on_thread() const { return std::this_thread::get_id() == thread_id_; }

    template <class Fn>
    void post(Fn&& fn) {
        boost::asio::post(io_, std::forward<Fn>(fn));
    }

    // Runs `fn` on the loop thread and waits for it (start-up and shutdown only). Runs it
    // inline when called on the loop thread, or once the loop has stopped.
    void run_blocking(const std::function<void()>& fn);

    // Stops the thread and joins it; handlers not run yet are dropped (close connections with
    // run_blocking() first). Idempotent; not from the loop thread.
    void stop();

  private:
    std::string name_;
    boost::asio::io_context io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::thread thread_;
    std::thread::id thread_id_;
};

}  // namespace muster::redis
