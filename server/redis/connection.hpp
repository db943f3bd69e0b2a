#pragma once
// One Redis connection that comes back by itself: the ConnectionMachine's decisions carried
// out on an AsyncContext, with command timeouts, a queue for the moments between two
// contexts, and metrics.
//
// Every function must be called on the loop thread that runs `io` (redis::Loop); callbacks
// are called there too, never inline from command() (a failure is posted).
//
// Guarantees:
// - Every command's callback is called exactly once: with the reply, with Redis' error, or
//   with UNAVAILABLE when there is no connection, when the connection is lost before the
//   reply, or when no reply came within command_timeout. Nothing hangs.
// - Replies come in order on a connection, so a command that times out means Redis (or the
//   path to it) is stuck: every command written on that context fails and the context is
//   replaced (a late reply could not be matched to its command otherwise).
// - A new context per reconnect, after exponential backoff with jitter; callbacks of an old
//   context are ignored (generation numbers).
//
// Subscriber use: send_subscription() writes SUBSCRIBE/UNSUBSCRIBE; every pub/sub reply
// (confirmations and messages) goes to the push handler. hiredis 0.14 cannot send any other
// command on a subscribed context, so a subscriber connection sends nothing else after its
// setup.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/async.hpp"
#include "redis/async_context.hpp"
#include "redis/commands.hpp"
#include "redis/connection_machine.hpp"
#include "redis/endpoint.hpp"
#include "redis/reply.hpp"

namespace muster::metrics {
class Counter;
class Gauge;
class Histogram;
}  // namespace muster::metrics

namespace muster::redis {

struct ConnectionOptions {
    std::string name;  // "store", "bus-publish", "bus-subscribe": logs and the metric label
    Endpoint endpoint;
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds command_timeout{2000};
    std::chrono::milliseconds reconnect_min{100};
    std::chrono::milliseconds reconnect_max{5000};
    std::size_t max_queued = 100000;  // commands waiting for a connection; over: UNAVAILABLE
    std::string client_name;          // CLIENT SETNAME, to find the node in CLIENT LIST
    // More commands run on every new context before it counts as ready (SCRIPT LOAD: Redis
    // forgets scripts when it restarts, and an EVALSHA that fell back to EVAL would overtake
    // the commands pipelined behind it).
    std::vector<std::vector<std::string>> setup;
};

class Connection final : public Commands {
  public:
    Connection(boost::asio::io_context& io, ConnectionOptions options);
    ~Connection() override;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Set before start(). on_ready: the connection (re)opened and is set up. on_down: the
    // ready connection was lost; its commands have already failed. on_push: a pub/sub reply.
    void on_ready(std::function<void()> fn) { on_ready_ = std::move(fn); }
    void on_down(std::function<void()> fn) { on_down_ = std::move(fn); }
    void on_push(std::function<void(Reply)> fn) { on_push_ = std::move(fn); }

    void start();
    // Fails everything pending with UNAVAILABLE and frees the context. start() may follow.
    void stop();

    // Sends a command (arguments binary-safe). See the guarantees above.
    //
    // `wait_for_connection`: while waiting to reconnect, queue the command (up to the command
    // timeout) and try to reconnect now instead of failing at once, if the last attempt is at
    // least reconnect_min old. For idempotent reads that follow a sign that Redis is back: a
    // bus that has just resubscribed tells sessions to catch up from the log, and those reads
    // must not fail because this connection's backoff has a few hundred ms left to run.
    void command(std::vector<std::string> args, ReplyCallback done,
                 bool wait_for_connection = false) override;
    // SUBSCRIBE / UNSUBSCRIBE with their channels. False when not ready (nothing was sent).
    bool send_subscription(const std::vector<std::string>& args);
    // Gives up the current context and reconnects (a failed health check).
    void recycle(const std::string& why);

    [[nodiscard]] bool ready() const override { return machine_.state() == ConnState::ready; }
    [[nodiscard]] ConnState state() const { return machine_.state(); }
    [[nodiscard]] std::uint64_t generation() const { return machine_.generation(); }
    [[nodiscard]] const ConnectionOptions& options() const { return options_; }
    // Commands written and not answered yet.
    [[nodiscard]] std::size_t in_flight() const { return sent_.size(); }

  private:
    using clock = std::chrono::steady_clock;
    struct Pending {
        std::uint64_t id = 0;
        std::vector<std::string> args;  // kept while queued only
        ReplyCallback done;
        clock::time_point deadline;
        clock::time_point sent_at;
    };

    void handle(ConnEvent event, std::uint64_t generation, const std::string& why = {});
    void apply(const ConnActions& actions, const std::string& why);
    void open();
    void send_setup();
    void send(Pending pending);
    void on_reply(std::uint64_t generation, std::uint64_t id, const redisReply& reply);
    void fail_all(std::deque<Pending>& queue, const std::string& why);
    void fail_soon(ReplyCallback done, Status status);
    bool reconnect_early();
    void schedule_tick();
    void tick();

    boost::asio::io_context& io_;
    ConnectionOptions options_;
    ConnectionMachine machine_;
    std::shared_ptr<AsyncContext> context_;
    std::deque<Pending> queued_;  // waiting for a ready connection
    std::deque<Pending> sent_;    // written on context_, in reply order
    std::uint64_t next_id_ = 1;   // 0 is pub/sub traffic
    clock::time_point connect_deadline_;
    clock::time_point last_failure_;
    boost::asio::steady_timer retry_timer_;
    boost::asio::steady_timer tick_timer_;
    bool ticking_ = false;
    std::size_t setup_left_ = 0;

    std::function<void()> on_ready_;
    std::function<void()> on_down_;
    std::function<void(Reply)> on_push_;

    metrics::Histogram& latency_;
    metrics::Counter& reconnects_;
    metrics::Counter& failures_;
    metrics::Gauge& connected_;
};

}  // namespace muster::redis
