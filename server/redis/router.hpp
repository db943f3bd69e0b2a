#pragma once
// The store's commands sent to one Redis or to a Redis Cluster, whichever redis.url names.
//
// Detection: when the connection to redis.url (the seed) is ready, CLUSTER SLOTS is asked. A
// Redis without cluster support refuses it, and every command goes on the seed as before
// (standalone mode). A cluster node answers with its slot map, and from then on (cluster mode)
// each command goes to the master of its first key's slot (cluster_map.hpp), on a connection
// per master opened on first use with the seed's options (same scripts loaded). Commands
// without keys (PING) go to any ready connection. Until the first answer, commands wait
// for it (as they would for the seed's connection).
//
// Cluster mode, per command (within command_timeout from the call, at most max_redirects
// redirections):
// - -MOVED: the slot is recorded at its new owner, the map is read again, the command is sent
//   there. -ASK: ASKING then the command, once, on the target (the map is not changed).
// - -TRYAGAIN / -CLUSTERDOWN, or the slot's master is not connected (down, or waiting to
//   reconnect): the command waits retry_delay, the map is read again meanwhile, and it is sent
//   to whichever master the map then names (a failover: its promoted replica). Redis did not
//   run it, so sending it again is safe. A command that was written and whose connection was
//   lost is NOT sent again (it may have run): it fails with UNAVAILABLE, as on one Redis.
// - Exhausted (redirections, or the command timeout): UNAVAILABLE naming the last answer.
// The map is read again (at most once per retry_delay) after any of the above and whenever a
// master's connection is lost. Connections to nodes that are no longer masters are stopped.
//
// Cost: on a cluster each command's arguments are copied once (kept for a redirect).
//
// Thread: everything on the loop thread that runs `io` (redis::Loop), like Connection.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "redis/cluster_map.hpp"
#include "redis/commands.hpp"
#include "redis/connection.hpp"

namespace muster::metrics {
class Counter;
}  // namespace muster::metrics

namespace muster::redis {

struct RouterOptions {
    std::uint32_t max_redirects = 5;              // redis.cluster_max_redirects
    std::chrono::milliseconds retry_delay{200};   // redis.cluster_retry_ms
    std::uint32_t wait_replicas = 0;              // redis.cluster_wait_replicas
    std::chrono::milliseconds wait_timeout{500};  // redis.cluster_wait_ms
};

class Router final : public Commands {
  public:
    Router(boost::asio::io_context& io, ConnectionOptions seed, RouterOptions options);
    ~Router() override;
    Router(const Router&) = delete;
    Router& operator=(const Router&) = delete;

    // Set before start(): a connection became ready (the seed; on a cluster, any master's).
    void on_ready(std::function<void()> fn) { on_ready_ = std::move(fn); }
    // Set before start(): the mode is known (the first call) or the slot map was read again
    // (every successful CLUSTER SLOTS after that). The sharded bus re-resolves its channels.
    void on_map(std::function<void()> fn) { on_map_ = std::move(fn); }

    void start();
    // Fails everything pending with UNAVAILABLE and stops every connection.
    void stop();

    void command(std::vector<std::string> args, ReplyCallback done,
                 bool wait_for_connection = false) override;
    [[nodiscard]] bool ready() const override;

    // Commands written and not answered yet, over every connection.
    [[nodiscard]] std::size_t in_flight() const;
    // The seed said it is a cluster node.
    [[nodiscard]] bool cluster() const { return mode_ == Mode::cluster; }
    // The seed answered CLUSTER SLOTS (or refused it): cluster() is final.
    [[nodiscard]] bool mode_known() const { return mode_ != Mode::unknown; }
    // On a cluster, publications go with SPUBLISH (and scripts use their sharded variant).
    [[nodiscard]] bool sharded_pubsub() const override { return mode_ == Mode::cluster; }
    // The master of `slot` as the map says now (cluster mode; nullptr when none or unknown).
    [[nodiscard]] const NodeAddress* owner(unsigned slot) const {
        return mode_ == Mode::cluster ? map_.owner(slot) : nullptr;
    }
    // Reads the map again soon (at most once per retry_delay); on_map tells when it has.
    void refresh_map() { request_refresh(); }
    // A -MOVED that someone else received (the sharded bus): `slot` is at `master` now.
    void learn_moved(unsigned slot, const NodeAddress& master) {
        if (mode_ == Mode::cluster) map_.assign(slot, master);
    }
    // The master connection of `slot` (cluster mode, nullptr when unknown); the seed otherwise.
    // For commands that must follow another on the same connection (WAIT).
    [[nodiscard]] Connection* connection_for_slot(unsigned slot);

    // After a write to `slot` was answered: on a cluster with wait_replicas > 0, WAIT on the
    // master's connection (where the write went) until that many replicas have it, at most
    // wait_timeout; then `done` (always: a replica that is down or slow must not stop writes;
    // such a WAIT is counted in muster_redis_wait_short_total, and that master's writes skip
    // WAIT for a second, so that a missing replica costs one timeout a second, not one per
    // write). At once elsewhere.
    void replicate(unsigned slot, std::function<void()> done);

  private:
    enum class Mode : std::uint8_t { unknown, standalone, cluster };
    using clock = std::chrono::steady_clock;
    struct Call {
        std::vector<std::string> args;
        ReplyCallback done;
        bool wait_for_connection = false;
        unsigned redirects = 0;
        clock::time_point deadline;    // the command timeout from the call
        clock::time_point not_before;  // a retry waits until then
        std::string last_error;
    };
    using CallPtr = std::shared_ptr<Call>;

    void dispatch(CallPtr call);
    void send(Connection& connection, CallPtr call, bool asking);
    void answered(CallPtr call, Result<Reply> reply);
    void retry_later(CallPtr call, std::string why);
    void fail(CallPtr call, const std::string& why);
    Connection& connection_to(const NodeAddress& node);
    Connection* any_ready();
    void seed_ready();
    void request_refresh();
    void refresh();
    void refreshed(const NodeAddress& from, Result<Reply> reply);
    void schedule_tick();
    void tick();

    boost::asio::io_context& io_;
    const ConnectionOptions seed_options_;
    const RouterOptions options_;
    const NodeAddress seed_address_;
    std::unique_ptr<Connection> seed_;
    std::map<std::string, std::unique_ptr<Connection>> masters_;  // by "host:port"
    SlotMap map_;
    Mode mode_ = Mode::unknown;
    std::deque<CallPtr> waiting_;  // for the mode to be known, a retry, or a slot's master
    bool refreshing_ = false;
    bool refresh_again_ = false;
    clock::time_point last_refresh_{};
    boost::asio::steady_timer tick_timer_;
    bool ticking_ = false;
    bool stopped_ = false;
    std::function<void()> on_ready_;
    std::function<void()> on_map_;
    std::map<std::string, clock::time_point> skip_wait_until_;  // by master, after a short WAIT
    metrics::Counter& wait_short_;
    metrics::Counter& moved_;    // -MOVED followed
    metrics::Counter& asked_;    // -ASK followed
    metrics::Counter& retried_;  // waited for a slot's master or an ok cluster, then sent again
};

}  // namespace muster::redis
