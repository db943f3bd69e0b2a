#pragma once
// The Redis bus's subscriptions on a Redis Cluster: each channel SSUBSCRIBEd on the master
// that owns its slot, one ShardSubscriber per such master, so that a publication (SPUBLISH)
// reaches only that shard and fan-out grows with the shards. Nothing here depends on the node
// named by redis.url: the masters come from the slot map (redis::Router, the bus's publisher).
//
// A channel is wanted from subscribe() until unsubscribe() (permanent ones, the control
// channel, always). It is placed on the master the map names for its slot and active once
// that master confirmed SSUBSCRIBE. It loses its place, and is placed again, when:
//   - its master's connection is lost (the master died, froze: no PING answer within
//     command_timeout, or the network failed); the map is read again, and that master is not
//     tried again before a backoff (redis.reconnect_min_ms .. reconnect_max_ms);
//   - SSUBSCRIBE is answered -MOVED (placed at the target at once) or another error (placed
//     again a moment later, after the map is read again);
//   - the server drops the subscription unasked ("sunsubscribe": its slot left that master);
//   - the map, read again, names another master for its slot (SUNSUBSCRIBE on the old one).
// A channel that had been active and lost its place may have missed publications: once every
// wanted channel is active again, `reset` is called once (the bus's on_bus_reset: every
// subscription catches up from the log), exactly as after the single subscriber reconnects.
// Connections to masters that have no channel left are closed.
//
// subscribe()'s `done` runs when the channel is active (at once if it is), or fails with
// UNAVAILABLE when it is not active by its deadline (command_timeout from the call; checked
// on tick()); a channel that was never active is then dropped (as on one Redis).
//
// Thread: everything on the bus's loop thread, handlers too. Not copyable.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bus/redis/shard_subscriber.hpp"
#include "core/async.hpp"
#include "redis/backoff.hpp"
#include "redis/router.hpp"

namespace muster::metrics {
class Counter;
class Gauge;
}  // namespace muster::metrics

namespace muster::bus {

struct ShardSubscriptionsOptions {
    std::string user;         // AUTH, as in redis.url
    std::string password;     //
    std::string client_name;  // CLIENT SETNAME of every shard connection
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds command_timeout{2000};
    std::chrono::milliseconds reconnect_min{100};
    std::chrono::milliseconds reconnect_max{5000};
};

struct ShardSubscriptionsHandlers {
    std::function<void(const std::string& channel, std::string payload)> message;
    std::function<void()> reset;    // every wanted channel is active again after a loss
    std::function<void()> changed;  // health or the active count may have changed
};

class ShardSubscriptions {
  public:
    using clock = std::chrono::steady_clock;
    using Waiter = Done<Unit>;

    ShardSubscriptions(boost::asio::io_context& io, redis::Router& router,
                       ShardSubscriptionsOptions options, ShardSubscriptionsHandlers handlers);
    ~ShardSubscriptions();
    ShardSubscriptions(const ShardSubscriptions&) = delete;
    ShardSubscriptions& operator=(const ShardSubscriptions&) = delete;

    void add_permanent(const std::string& channel);
    void subscribe(const std::string& channel, Waiter done);
    // Waiters of a channel not active yet fail with UNAVAILABLE.
    void unsubscribe(const std::string& channel);
    // The router read the slot map again: channels whose slot has another master move.
    void map_changed();
    // Every health interval: PING each master, fail overdue subscribe() calls.
    void tick();
    // Closes every connection, fails every waiter; nothing is called afterwards.
    void stop();

    [[nodiscard]] bool active(const std::string& channel) const;
    // Active channels, permanent ones excluded.
    [[nodiscard]] std::size_t active_count() const;
    // Every master that holds a wanted channel is connected and every permanent channel active.
    [[nodiscard]] bool healthy() const;

  private:
    struct Channel {
        unsigned slot = 0;
        bool permanent = false;
        std::string shard;  // "host:port" of the master it is placed on; empty: not placed
        bool sent = false;  // SSUBSCRIBE written on that master's current connection
        bool active = false;
        bool ever_active = false;
        std::vector<Waiter> waiters;
        clock::time_point deadline;
    };
    struct Retry {
        std::uint32_t failures = 0;
        clock::time_point not_before;
    };

    void place(const std::string& name, Channel& channel, const redis::NodeAddress* at);
    void place_unplaced();
    void unplace(Channel& channel);
    void set_active(Channel& channel, bool active);
    ShardSubscriber* connection_to(const redis::NodeAddress& node);
    void shard_ready(const std::string& shard);
    void shard_lost(const std::string& shard, const std::string& why);
    void subscribed(const std::string& shard, const std::string& channel);
    void refused(const std::string& shard, const std::string& channel, const std::string& error);
    void dropped(const std::string& shard, const std::string& channel);
    void close_idle_shards();
    void check_reset();
    void schedule_retry();
    void count_connected();

    boost::asio::io_context& io_;
    redis::Router& router_;
    const ShardSubscriptionsOptions options_;
    ShardSubscriptionsHandlers handlers_;
    const redis::Backoff backoff_;
    std::unordered_map<std::string, Channel> channels_;
    std::map<std::string, std::shared_ptr<ShardSubscriber>> shards_;  // by "host:port"
    std::map<std::string, Retry> retry_;                              // masters that failed
    boost::asio::steady_timer retry_timer_;
    bool retry_armed_ = false;
    std::vector<std::string> permanent_;
    std::size_t active_total_ = 0;   // active channels
    std::size_t active_groups_ = 0;  // active channels, permanent ones excluded
    bool gap_ = false;  // an active channel lost its place: reset once all are active again
    bool stopped_ = false;
    metrics::Counter& resubscribes_;
    metrics::Gauge& connected_;
};

}  // namespace muster::bus
