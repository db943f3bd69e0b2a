#pragma once
// The store's Redis on a thread of its own, callable from any thread: what the Redis store's
// parts (log, directory, presence) share. One Redis or a Redis Cluster (router.hpp decides
// at connect and routes each command by its key).
//
// command() and run() may be called from any thread; they post to the loop, so the caller
// never waits. Callbacks run on the loop thread (core/async.hpp: "on the implementation's
// thread"); they must not block it.

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "redis/connection.hpp"
#include "redis/loop.hpp"
#include "redis/router.hpp"
#include "redis/script.hpp"

namespace muster::redis {

class Client {
  public:
    explicit Client(ConnectionOptions options, RouterOptions routing = {});
    // close()
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Connects in the background. Hooks of connection() are set before this.
    void start();

    // After close(), `done` runs at once on the caller's thread with UNAVAILABLE.
    void command(std::vector<std::string> args, ReplyCallback done,
                 bool wait_for_connection = false);
    // `script` must outlive the call (they are static).
    // `wait_for_connection`: see Connection::command().
    void run(const Script& script, std::vector<std::string> keys, std::vector<std::string> args,
             ReplyCallback done, bool wait_for_connection = false);

    // Gives commands already sent up to `grace` to be answered, then fails what is left with
    // UNAVAILABLE and stops the thread. `before` runs on the loop first (cancel timers).
    // Blocks; idempotent.
    void close(std::chrono::milliseconds grace, const std::function<void()>& before = {});

    [[nodiscard]] Loop& loop() { return loop_; }
    // close() has begun: posting to the loop may no longer run anything.
    [[nodiscard]] bool closed() const { return closed_.load(); }
    // Loop thread only: the commands, routed (one Redis or a cluster).
    [[nodiscard]] Router& connection() { return *connection_; }

  private:
    void drain(std::chrono::steady_clock::time_point deadline, std::promise<void>* drained);

    Loop loop_;  // first: destroyed last
    std::unique_ptr<Router> connection_;
    boost::asio::steady_timer drain_timer_;
    std::atomic<bool> closed_{false};
};

}  // namespace muster::redis
