#include "redis/router.hpp"

#include <algorithm>
#include <utility>

#include <boost/asio/post.hpp>

#include "core/log.hpp"
#include "core/metrics.hpp"

namespace muster::redis {

namespace asio = boost::asio;

namespace {

// After a WAIT that came back short, a master's writes do not wait again for this long.
constexpr std::chrono::seconds wait_pause{1};

metrics::Counter& redirects(const char* kind) {
    return metrics::registry().counter(
        "muster_redis_cluster_redirects_total",
        "Redis Cluster commands sent again: after -MOVED, after -ASK, or after a wait (retry)",
        std::string("kind=\"") + kind + "\"");
}

bool transient_cluster_error(const std::string& message) {
    return message.find("CLUSTERDOWN") != std::string::npos ||
           message.find("TRYAGAIN") != std::string::npos;
}

}  // namespace

Router::Router(asio::io_context& io, ConnectionOptions seed, RouterOptions options)
    : io_(io)
    , seed_options_(std::move(seed))
    , options_(options)
    , seed_address_{seed_options_.endpoint.host, seed_options_.endpoint.port}
    , seed_(std::make_unique<Connection>(io, seed_options_))
    , tick_timer_(io)
    , wait_short_(metrics::registry().counter(
          "muster_redis_wait_short_total",
          "Appends acknowledged before redis.cluster_wait_replicas replicas confirmed them"))
    , moved_(redirects("moved"))
    , asked_(redirects("ask"))
    , retried_(redirects("retry")) {
    seed_->on_ready([this] { seed_ready(); });
    seed_->on_down([this] {
        if (mode_ == Mode::cluster) request_refresh();
    });
}

Router::~Router() = default;

void Router::start() {
    stopped_ = false;
    seed_->start();
}

void Router::stop() {
    stopped_ = true;
    tick_timer_.cancel();
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& call : waiting) {
        call->done(Status(errc::unavailable, "redis unavailable: connection stopped"));
    }
    seed_->stop();
    for (auto& [name, connection] : masters_) connection->stop();
}

bool Router::ready() const {
    if (mode_ != Mode::cluster) return seed_->ready();
    if (map_.empty()) return false;
    if (seed_->ready()) return true;
    return std::any_of(masters_.begin(), masters_.end(),
                       [](const auto& entry) { return entry.second->ready(); });
}

std::size_t Router::in_flight() const {
    std::size_t n = seed_->in_flight() + waiting_.size();
    for (const auto& [name, connection] : masters_) n += connection->in_flight();
    return n;
}

Connection* Router::connection_for_slot(unsigned slot) {
    if (mode_ != Mode::cluster) return seed_.get();
    const NodeAddress* owner = map_.owner(slot);
    return owner != nullptr ? &connection_to(*owner) : nullptr;
}

void Router::replicate(unsigned slot, std::function<void()> done) {
    if (mode_ != Mode::cluster || options_.wait_replicas == 0) {
        done();
        return;
    }
    Connection* connection = connection_for_slot(slot);
    const auto now = clock::now();
    const std::string master =
        connection != nullptr ? connection->options().endpoint.describe() : std::string();
    // WAIT holds the master's connection (and every command behind it) until the replicas
    // answer: after a short one, the master's writes skip it for a while rather than each wait
    // the full timeout while its replica is away.
    const auto skip = skip_wait_until_.find(master);
    if (connection == nullptr || !connection->ready() ||
        (skip != skip_wait_until_.end() && now < skip->second)) {
        wait_short_.inc();
        done();
        return;
    }
    const std::int64_t wanted = options_.wait_replicas;
    connection->command(
        {"WAIT", std::to_string(wanted), std::to_string(options_.wait_timeout.count())},
        [this, wanted, master, done = std::move(done)](const Result<Reply>& reply) {
            std::int64_t replicas = 0;
            if (!reply || !as_integer(*reply, replicas) || replicas < wanted) {
                wait_short_.inc();
                skip_wait_until_[master] = clock::now() + wait_pause;
            } else {
                skip_wait_until_.erase(master);
            }
            done();
        });
}

// ---- commands --------------------------------------------------------------------------------

void Router::command(std::vector<std::string> args, ReplyCallback done, bool wait_for_connection) {
    if (mode_ == Mode::standalone) {
        // One Redis: exactly the connection's behaviour, no copy.
        seed_->command(std::move(args), std::move(done), wait_for_connection);
        return;
    }
    auto call = std::make_shared<Call>();
    call->args = std::move(args);
    call->done = std::move(done);
    call->wait_for_connection = wait_for_connection;
    call->deadline = clock::now() + seed_options_.command_timeout;
    dispatch(std::move(call));
}

void Router::dispatch(CallPtr call) {
    if (stopped_) {
        fail(std::move(call), "connection stopped");
        return;
    }
    switch (mode_) {
        case Mode::standalone:
            seed_->command(std::move(call->args), std::move(call->done), call->wait_for_connection);
            return;
        case Mode::unknown:
            if (seed_->state() == ConnState::waiting) {
                // Redis is down: the connection fails fast (or reconnects early and queues
                // the command), as before.
                seed_->command(std::move(call->args), std::move(call->done),
                               call->wait_for_connection);
                return;
            }
            // Connecting, or asking CLUSTER SLOTS: wait for the answer (bounded by the tick).
            waiting_.push_back(std::move(call));
            schedule_tick();
            return;
        case Mode::cluster:
            break;
    }
    const auto slot = command_slot(call->args);
    if (!slot) {
        if (Connection* connection = any_ready()) {
            send(*connection, std::move(call), false);
        } else {
            retry_later(std::move(call), "no cluster node is connected");
        }
        return;
    }
    const NodeAddress* owner = map_.owner(*slot);
    if (owner == nullptr) {
        retry_later(std::move(call), "no master serves slot " + std::to_string(*slot));
        return;
    }
    Connection& connection = connection_to(*owner);
    if (connection.state() == ConnState::waiting) {
        retry_later(std::move(call), "master " + owner->str() + " of slot " +
                                         std::to_string(*slot) + " is unreachable");
        return;
    }
    send(connection, std::move(call), false);
}

void Router::send(Connection& connection, CallPtr call, bool asking) {
    // ASKING applies to the next command on the same connection: pipelined, so nothing can
    // come between them.
    if (asking) connection.command({"ASKING"}, [](const Result<Reply>&) {});
    auto args = call->args;  // kept in the call for a redirect
    const bool wait = call->wait_for_connection;
    connection.command(
        std::move(args),
        [this, call = std::move(call)](Result<Reply> reply) mutable {
            answered(std::move(call), std::move(reply));
        },
        wait);
}

void Router::answered(CallPtr call, Result<Reply> reply) {
    if (reply.ok() || stopped_) {
        call->done(std::move(reply));
        return;
    }
    const std::string& message = reply.status().message();
    if (const auto redirect = parse_redirect(message)) {
        if (++call->redirects > options_.max_redirects) {
            fail(std::move(call), "gave up after " + std::to_string(options_.max_redirects) +
                                      " redirections: " + message);
            return;
        }
        if (mode_ != Mode::cluster) {
            // A command that reached a cluster node before its CLUSTER SLOTS answer.
            mode_ = Mode::cluster;
        }
        if (redirect->kind == Redirect::Kind::ask) {
            asked_.inc();
            send(connection_to(redirect->target), std::move(call), true);
            return;
        }
        moved_.inc();
        map_.assign(redirect->slot, redirect->target);
        request_refresh();
        dispatch(std::move(call));
        return;
    }
    if (mode_ == Mode::cluster && transient_cluster_error(message)) {
        retry_later(std::move(call), message);
        return;
    }
    call->done(std::move(reply));
}

void Router::retry_later(CallPtr call, std::string why) {
    const auto now = clock::now();
    if (now + options_.retry_delay > call->deadline) {
        fail(std::move(call), "no answer within the command timeout: " + why);
        return;
    }
    retried_.inc();
    call->last_error = std::move(why);
    call->not_before = now + options_.retry_delay;
    waiting_.push_back(std::move(call));
    request_refresh();
    schedule_tick();
}

void Router::fail(CallPtr call, const std::string& why) {
    // Never inline from command(): posted, like Connection's own failures.
    asio::post(io_, [call = std::move(call), why] {
        call->done(Status(errc::unavailable, "redis cluster: " + why));
    });
}

// ---- connections -----------------------------------------------------------------------------

Connection& Router::connection_to(const NodeAddress& node) {
    if (node == seed_address_) return *seed_;
    const std::string name = node.str();
    auto it = masters_.find(name);
    if (it == masters_.end()) {
        ConnectionOptions options = seed_options_;
        options.name = seed_options_.name + "@" + name;
        options.endpoint.host = node.host;
        options.endpoint.port = node.port;
        auto connection = std::make_unique<Connection>(io_, std::move(options));
        connection->on_ready([this] {
            if (refresh_again_ && !refreshing_) request_refresh();
            if (on_ready_) on_ready_();
        });
        connection->on_down([this] { request_refresh(); });
        it = masters_.emplace(name, std::move(connection)).first;
    }
    if (it->second->state() == ConnState::stopped && !stopped_) it->second->start();
    return *it->second;
}

Connection* Router::any_ready() {
    if (seed_->ready()) return seed_.get();
    for (auto& [name, connection] : masters_) {
        if (connection->ready()) return connection.get();
    }
    return nullptr;
}

void Router::seed_ready() {
    // Every (re)connect asks again: the node behind redis.url may have changed its mind.
    refreshing_ = false;
    refresh();
    if (on_ready_) on_ready_();
}

// ---- the slot map ----------------------------------------------------------------------------

void Router::request_refresh() {
    if (stopped_) return;
    if (!refreshing_ && clock::now() - last_refresh_ >= options_.retry_delay) {
        refresh();
        return;
    }
    refresh_again_ = true;
    schedule_tick();
}

void Router::refresh() {
    if (refreshing_) {
        refresh_again_ = true;
        return;
    }
    Connection* connection = any_ready();
    if (connection == nullptr) {
        // The next connection that becomes ready asks. On a cluster, every master the map
        // knows is tried: a client that only ever talked to the node that just died (a bus
        // whose channels all hashed there) must still find the others.
        refresh_again_ = true;
        if (mode_ == Mode::cluster) {
            for (const NodeAddress& master : map_.masters()) (void)connection_to(master);
        }
        return;
    }
    refresh_again_ = false;
    refreshing_ = true;
    last_refresh_ = clock::now();
    const NodeAddress from =
        connection == seed_.get()
            ? seed_address_
            : NodeAddress{connection->options().endpoint.host, connection->options().endpoint.port};
    connection->command({"CLUSTER", "SLOTS"},
                        [this, from](Result<Reply> reply) { refreshed(from, std::move(reply)); });
}

void Router::refreshed(const NodeAddress& from, Result<Reply> reply) {
    refreshing_ = false;
    if (stopped_) return;
    if (!reply) {
        const bool refused = reply.status().code() != errc::unavailable;
        if (refused && mode_ != Mode::cluster) {
            // "ERR This instance has cluster support disabled": one Redis.
            if (mode_ == Mode::unknown) {
                MUSTER_LOG_INFO("redis") << seed_options_.name << ": "
                                         << seed_options_.endpoint.describe() << " is one Redis";
            }
            mode_ = Mode::standalone;
        } else {
            MUSTER_LOG_WARN("redis") << seed_options_.name << ": CLUSTER SLOTS from " << from.str()
                                     << " failed: " << reply.status().message();
            refresh_again_ = true;
            schedule_tick();
            return;
        }
    } else if (Status loaded = map_.load(*reply, from); !loaded) {
        MUSTER_LOG_WARN("redis") << seed_options_.name << ": " << loaded.message();
        refresh_again_ = true;
        schedule_tick();
        return;
    } else {
        if (mode_ != Mode::cluster) {
            MUSTER_LOG_INFO("redis")
                << seed_options_.name << ": " << seed_options_.endpoint.describe()
                << " is a Redis Cluster node; " << map_.masters().size() << " masters";
        }
        mode_ = Mode::cluster;
        // Nodes that no longer serve slots (a failed master, a replica again) are let go.
        const auto masters = map_.masters();
        for (auto& [name, connection] : masters_) {
            const bool serves = std::any_of(masters.begin(), masters.end(),
                                            [&](const NodeAddress& m) { return m.str() == name; });
            if (!serves && connection->state() != ConnState::stopped) connection->stop();
        }
    }
    if (refresh_again_) schedule_tick();
    if (on_map_) on_map_();
    // Those waiting for the mode go now; retries go when their pause is over (tick).
    auto waiting = std::move(waiting_);
    waiting_.clear();
    const auto now = clock::now();
    for (auto& call : waiting) {
        if (call->not_before <= now) {
            dispatch(std::move(call));
        } else {
            waiting_.push_back(std::move(call));
        }
    }
}

// ---- time ------------------------------------------------------------------------------------

void Router::schedule_tick() {
    if (ticking_ || stopped_) return;
    ticking_ = true;
    const auto period = std::clamp(options_.retry_delay / 4, std::chrono::milliseconds(10),
                                   std::chrono::milliseconds(100));
    tick_timer_.expires_after(period);
    tick_timer_.async_wait([this](const boost::system::error_code& error) {
        ticking_ = false;
        if (error || stopped_) return;
        tick();
    });
}

void Router::tick() {
    const auto now = clock::now();
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& call : waiting) {
        if (call->deadline <= now) {
            const std::string why =
                call->last_error.empty() ? "no answer from the cluster" : call->last_error;
            call->done(
                Status(errc::unavailable, "redis: no answer within the command timeout: " + why));
        } else if (mode_ != Mode::unknown && call->not_before <= now) {
            dispatch(std::move(call));
        } else {
            waiting_.push_back(std::move(call));
        }
    }
    if (refresh_again_ && !refreshing_ && now - last_refresh_ >= options_.retry_delay) refresh();
    if (!waiting_.empty() || refresh_again_) schedule_tick();
}

}  // namespace muster::redis
