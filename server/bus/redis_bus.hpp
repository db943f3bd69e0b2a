#pragma once
// The bus of a node among many: Redis pub/sub (see bus.hpp for the contract).
//
// On one thread of its own (redis::Loop): a publisher (redis::Router, which finds out whether
// redis.url names one Redis or a Redis Cluster node) and, once that is known, the subscriber:
//   - One Redis: one subscriber connection (PUBLISH / SUBSCRIBE), as described below. A
//     subscribed hiredis 0.14 context can send nothing but (UN)SUBSCRIBE, hence two
//     connections.
//   - A Redis Cluster: sharded pub/sub (bus/redis/shard_subscriptions.hpp). Every channel,
//     control included, is SSUBSCRIBEd on the master that owns its slot and published with
//     SPUBLISH (the append script too: redis/script.hpp), so a message goes to one shard only
//     and fan-out grows with the shards; a failover, a slot move or a lost master re-resolves
//     and resubscribes, then on_bus_reset() as below. The node named in redis.url is just a
//     way in: the bus goes on without it. Health: a PING per master connection (answered
//     within command_timeout) instead of the echo below.
//
// Channels (redis/keys.hpp): one per group, `<prefix>:{g:<group>}:ch`, subscribed while the
// node has a local subscriber (the hub asks for the first and lets go after the last); one
// control channel for every node; one health channel private to this bus.
//
// Messages: a group channel carries serialised muster.v1.Event bytes, exactly as stored (log
// events, published by the append script with their seq) or as the node built them
// (transient presence, no seq). The seq is read from the bytes (protocol/event_bytes.hpp); the
// bytes go to the hub as they are, so they are copied once, out of hiredis' buffer.
//
// Redis comes and goes: subscribe() while the subscriber is down (a node just started, or
// reconnecting) waits for it up to redis.command_timeout_ms (checked on the health tick, so up
// to one health_interval more), then fails with UNAVAILABLE; active subscriptions are kept in a
// list (SubscriptionTracker) and subscribed again after a reconnect, then the handler's
// on_bus_reset() tells sessions to catch up from the log (what was published meanwhile is gone for
// this node). Control messages published while the publisher is down wait in a bounded queue;
// presence notices are dropped.
//
// Control messages reach this node's handler at once, on the publishing thread (like
// LocalBus), and the other nodes through Redis as "<bus id>\n<message>"; the echo of its
// own message is skipped, so every node hears each control message once.
//
// Health: hiredis 0.14 cannot PING a subscribed context, so every health_interval the
// publisher sends a token to the health channel, and the subscriber must hear it back: no echo
// for max(3 intervals, interval + command timeout) and the subscriber is replaced (this also
// catches a connection that a network partition left open but dead). healthy() is false
// unless both connections are ready.

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "bus/bus.hpp"
#include "bus/redis/shard_subscriptions.hpp"
#include "bus/redis_subscriptions.hpp"
#include "core/config.hpp"
#include "redis/connection.hpp"
#include "redis/endpoint.hpp"
#include "redis/keys.hpp"
#include "redis/loop.hpp"
#include "redis/router.hpp"

namespace muster::metrics {
class Counter;
class Gauge;
}  // namespace muster::metrics

namespace muster::bus {

class RedisBus final : public Bus {
  public:
    // Connects in the background (subscribe() waits for the connection, bounded).
    // `bus_id` names this bus' health channel and its Redis clients; unique per process.
    RedisBus(const RedisConfig& config, const redis::Endpoint& endpoint, std::string bus_id);
    // stop()
    ~RedisBus() override;
    RedisBus(const RedisBus&) = delete;
    RedisBus& operator=(const RedisBus&) = delete;

    void set_handler(BusHandler* handler) override { handler_.store(handler); }
    void subscribe(std::string group, Done<Unit> done) override;
    void unsubscribe(std::string group) override;
    void publish_transient(std::string group, SharedBytes event) override;
    void publish_control(SharedBytes message) override;
    [[nodiscard]] bool healthy() const override { return healthy_.load(); }

    // Closes both connections and joins the thread: once it returns, the handler is never
    // called again. Blocks; idempotent. Call it before the handler goes away.
    void stop();

  private:
    // Loop thread only.
    void start();
    void subscriber_ready();
    void subscriber_down();
    void on_push(redis::Reply reply);
    void on_message(const std::string& channel, std::string payload);
    void on_confirmed(const std::string& channel);
    void publisher_ready();
    // The router knows whether this is one Redis or a cluster (first call), or read the
    // cluster's slot map again.
    void map_known();
    void start_sharded();
    [[nodiscard]] bool can_publish() const;
    // One Redis: the subscriber exists and is ready.
    [[nodiscard]] bool subscriber_up() const { return subscriber_ && subscriber_->ready(); }
    void flush_control_backlog();
    void publish(const std::string& channel, const SharedBytes& payload);
    void health_tick();
    void update_health();
    void send_subscribe(const std::vector<std::string>& channels);
    // The subscriber is ready: SUBSCRIBE (or join one under way) and complete `done` later.
    void subscribe_now(const std::string& group, Done<Unit>& done);
    // Fails the parked subscribe() calls of `group`, or else those due by `overdue_at`.
    void fail_parked(const std::string* group, std::chrono::steady_clock::time_point overdue_at,
                     const std::string& why);

    // A subscribe() that came while the subscriber was not connected.
    struct Parked {
        std::string group;
        Done<Unit> done;
        std::chrono::steady_clock::time_point deadline;
    };

    const RedisConfig config_;
    const redis::Endpoint endpoint_;
    const redis::Keys keys_;
    const std::string bus_id_;
    const std::string control_channel_;
    const std::string health_channel_;
    const std::chrono::milliseconds echo_grace_;

    // Declared first: destroyed last, after the connections and timers that use its io_context.
    redis::Loop loop_;
    std::unique_ptr<redis::Connection> subscriber_;  // one Redis only (made once known)
    std::unique_ptr<redis::Router> publisher_;
    std::unique_ptr<ShardSubscriptions> shards_;  // a Redis Cluster only
    boost::asio::steady_timer health_timer_;
    SubscriptionTracker tracker_;
    std::vector<Parked> parked_;               // subscribe() calls waiting for the subscriber
    std::deque<SharedBytes> control_backlog_;  // control messages waiting for the publisher
    std::chrono::steady_clock::time_point last_echo_;
    std::uint64_t health_token_ = 0;
    bool stopped_ = false;
    // The control channel confirmed once: until then another node's control message (a group
    // made, a membership changed) is not heard here, so the first confirmation is a reset too.
    bool control_heard_ = false;
    enum class Mode : std::uint8_t { unknown, single, sharded };
    Mode mode_ = Mode::unknown;

    std::atomic<BusHandler*> handler_{nullptr};
    std::atomic<bool> healthy_{false};
    metrics::Gauge& subscribed_;
    metrics::Counter& resets_;
};

}  // namespace muster::bus
