#include "bus/redis_bus.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "protocol/event_bytes.hpp"

namespace muster::bus {

namespace {

using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

// Control messages kept while the publisher is down; older ones are dropped beyond this (a
// node that missed them resynchronises on its own bus reset anyway).
constexpr std::size_t control_backlog_max = 1024;
// Channels per SUBSCRIBE command when resubscribing many.
constexpr std::size_t subscribe_batch = 256;

redis::ConnectionOptions connection_options(const RedisConfig& config, redis::Endpoint endpoint,
                                            std::string name, std::string client_name) {
    redis::ConnectionOptions options;
    options.name = std::move(name);
    options.endpoint = std::move(endpoint);
    options.connect_timeout = milliseconds(config.connect_timeout_ms);
    options.command_timeout = milliseconds(config.command_timeout_ms);
    options.reconnect_min = milliseconds(config.reconnect_min_ms);
    options.reconnect_max = milliseconds(config.reconnect_max_ms);
    // CLIENT SETNAME is also what proves, before a context counts as ready, that Redis answers
    // (a frozen Redis still accepts TCP connections).
    options.client_name = std::move(client_name);
    return options;
}

Status unavailable(const std::string& why) {
    return {errc::unavailable, why};
}

}  // namespace

RedisBus::RedisBus(const RedisConfig& config, const redis::Endpoint& endpoint, std::string bus_id)
    : config_(config)
    , endpoint_(endpoint)
    , keys_(config.key_prefix)
    , bus_id_(std::move(bus_id))
    , control_channel_(keys_.control_channel())
    , health_channel_(keys_.health_channel(bus_id_))
    , echo_grace_(std::max(milliseconds(3 * config.health_interval_ms),
                           milliseconds(config.health_interval_ms + config.command_timeout_ms)))
    , loop_("bus")
    , publisher_(std::make_unique<redis::Router>(
          loop_.io(), connection_options(config, endpoint, "bus-publish", "muster-pub-" + bus_id_),
          // No WAIT: a publication is not a write anyone reads back.
          redis::RouterOptions{config.cluster_max_redirects, milliseconds(config.cluster_retry_ms),
                               0, milliseconds(config.cluster_wait_ms)}))
    , health_timer_(loop_.io())
    , subscribed_(metrics::registry().gauge("muster_redis_subscribed_channels",
                                            "Group channels this node's bus is subscribed to"))
    , resets_(metrics::registry().counter(
          "muster_bus_resets_total",
          "Bus reconnects after which every subscription caught up from the log")) {
    tracker_.add_permanent(control_channel_);
    tracker_.add_permanent(health_channel_);
    loop_.post([this] { start(); });
}

RedisBus::~RedisBus() {
    stop();
}

void RedisBus::start() {
    publisher_->on_ready([this] { publisher_ready(); });
    publisher_->on_map([this] { map_known(); });
    // The subscriber starts once the publisher knows whether this is a cluster (map_known).
    publisher_->start();
    health_tick();
}

void RedisBus::map_known() {
    if (stopped_) return;
    if (mode_ == Mode::sharded) {
        shards_->map_changed();
        return;
    }
    if (mode_ != Mode::unknown) return;
    if (publisher_->cluster()) {
        start_sharded();
    } else {
        mode_ = Mode::single;
        // Made only now, so that a cluster node shows no bus-subscribe connection that
        // never connects (muster_redis_connected).
        subscriber_ = std::make_unique<redis::Connection>(
            loop_.io(),
            connection_options(config_, endpoint_, "bus-subscribe", "muster-sub-" + bus_id_));
        subscriber_->on_ready([this] { subscriber_ready(); });
        subscriber_->on_down([this] { subscriber_down(); });
        subscriber_->on_push([this](redis::Reply reply) { on_push(std::move(reply)); });
        subscriber_->start();
    }
    flush_control_backlog();
    update_health();
}

void RedisBus::start_sharded() {
    mode_ = Mode::sharded;
    ShardSubscriptionsOptions options;
    options.user = endpoint_.user;
    options.password = endpoint_.password;
    options.client_name = "muster-sub-" + bus_id_;
    options.connect_timeout = milliseconds(config_.connect_timeout_ms);
    options.command_timeout = milliseconds(config_.command_timeout_ms);
    options.reconnect_min = milliseconds(config_.reconnect_min_ms);
    options.reconnect_max = milliseconds(config_.reconnect_max_ms);
    ShardSubscriptionsHandlers handlers;
    handlers.message = [this](const std::string& channel, std::string payload) {
        on_message(channel, std::move(payload));
    };
    handlers.reset = [this] {
        resets_.inc();
        if (auto* handler = handler_.load()) handler->on_bus_reset();
    };
    handlers.changed = [this] {
        subscribed_.set(static_cast<std::int64_t>(shards_->active_count()));
        update_health();
    };
    shards_ = std::make_unique<ShardSubscriptions>(loop_.io(), *publisher_, std::move(options),
                                                   std::move(handlers));
    MUSTER_LOG_INFO("bus") << "Redis Cluster: sharded pub/sub, a subscriber per master";
    shards_->add_permanent(control_channel_);
    // The subscribe() calls that came before the mode was known.
    auto parked = std::move(parked_);
    parked_.clear();
    for (auto& call : parked)
        shards_->subscribe(keys_.group_channel(call.group), std::move(call.done));
}

void RedisBus::stop() {
    loop_.run_blocking([this] {
        if (stopped_) return;
        stopped_ = true;
        health_timer_.cancel();
        if (shards_) shards_->stop();
        if (subscriber_) subscriber_->stop();
        publisher_->stop();
        healthy_ = false;
        fail_parked(nullptr, steady::time_point::max(), "the Redis bus is stopped");
    });
    loop_.stop();
    handler_.store(nullptr);
}

// ---- subscriptions ---------------------------------------------------------------------------

void RedisBus::subscribe(std::string group, Done<Unit> done) {
    loop_.post([this, group = std::move(group), done = std::move(done)]() mutable {
        if (stopped_) {
            done(unavailable("the Redis bus is stopped"));
            return;
        }
        if (mode_ == Mode::sharded) {
            shards_->subscribe(keys_.group_channel(group), std::move(done));
            return;
        }
        if (!subscriber_up()) {
            // Just started, or reconnecting: wait for the subscriber, for as long as a command
            // may take, rather than fail a client that came a moment too early.
            parked_.push_back({std::move(group), std::move(done),
                               steady::now() + milliseconds(config_.command_timeout_ms)});
            return;
        }
        subscribe_now(group, done);
    });
}

void RedisBus::subscribe_now(const std::string& group, Done<Unit>& done) {
    const std::string channel = keys_.group_channel(group);
    const auto deadline = steady::now() + milliseconds(config_.command_timeout_ms);
    switch (tracker_.subscribe(channel, done, deadline)) {
        case SubscriptionTracker::Outcome::active:
            done(Unit{});
            break;
        case SubscriptionTracker::Outcome::pending:
            break;
        case SubscriptionTracker::Outcome::send:
            send_subscribe({channel});
            break;
    }
}

void RedisBus::fail_parked(const std::string* group, steady::time_point overdue_at,
                           const std::string& why) {
    std::vector<Done<Unit>> failed;
    std::erase_if(parked_, [&](Parked& parked) {
        const bool drop = group != nullptr ? parked.group == *group : parked.deadline <= overdue_at;
        if (drop) failed.push_back(std::move(parked.done));
        return drop;
    });
    for (auto& done : failed) done(unavailable(why));
}

void RedisBus::unsubscribe(std::string group) {
    loop_.post([this, group = std::move(group)] {
        const std::string channel = keys_.group_channel(group);
        std::vector<SubscriptionTracker::Waiter> failed;
        fail_parked(&group, {}, "unsubscribed before the Redis bus connected");
        if (mode_ == Mode::sharded) {
            shards_->unsubscribe(channel);
            return;
        }
        const bool wanted = tracker_.unsubscribe(channel, failed);
        for (auto& waiter : failed) waiter(unavailable("unsubscribed before Redis confirmed"));
        if (wanted && subscriber_up()) subscriber_->send_subscription({"UNSUBSCRIBE", channel});
        subscribed_.set(static_cast<std::int64_t>(tracker_.active_count()));
    });
}

void RedisBus::send_subscribe(const std::vector<std::string>& channels) {
    for (std::size_t at = 0; at < channels.size(); at += subscribe_batch) {
        std::vector<std::string> args{"SUBSCRIBE"};
        const auto end = std::min(channels.size(), at + subscribe_batch);
        args.insert(args.end(), channels.begin() + static_cast<std::ptrdiff_t>(at),
                    channels.begin() + static_cast<std::ptrdiff_t>(end));
        if (!subscriber_->send_subscription(args)) {
            subscriber_->recycle("cannot send SUBSCRIBE");
            return;
        }
    }
}

void RedisBus::subscriber_ready() {
    last_echo_ = steady::now();
    const auto deadline = steady::now() + milliseconds(config_.command_timeout_ms);
    const auto channels = tracker_.connection_ready(deadline);
    MUSTER_LOG_INFO("bus") << "subscribing to " << channels.size() - 2 << " group channels";
    send_subscribe(channels);
    update_health();
    // The subscribe() calls that came while it was connecting; send_subscribe() may have
    // recycled the connection already, then they wait for the next one.
    auto parked = std::move(parked_);
    parked_.clear();
    for (auto& call : parked) {
        if (subscriber_->ready()) {
            subscribe_now(call.group, call.done);
        } else {
            parked_.push_back(std::move(call));
        }
    }
}

void RedisBus::subscriber_down() {
    for (auto& waiter : tracker_.connection_lost()) {
        waiter(unavailable("the Redis bus lost its connection"));
    }
    subscribed_.set(0);
    update_health();
}

void RedisBus::on_push(redis::Reply reply) {
    // ["message", channel, payload] or ["subscribe" | "unsubscribe", channel, count].
    if (!reply.is_array() || reply.elements.size() < 3) return;
    auto& elements = reply.elements;
    const std::string& kind = elements[0].str;
    if (kind == "message") {
        on_message(elements[1].str, std::move(elements[2].str));
    } else if (kind == "subscribe") {
        on_confirmed(elements[1].str);
    }
}

void RedisBus::on_confirmed(const std::string& channel) {
    if (channel == health_channel_) last_echo_ = steady::now();
    for (auto& waiter : tracker_.confirmed(channel)) waiter(Unit{});
    subscribed_.set(static_cast<std::int64_t>(tracker_.active_count()));
    update_health();
    if (tracker_.take_reset()) {
        resets_.inc();
        MUSTER_LOG_WARN("bus") << "resubscribed " << tracker_.active_count()
                               << " group channels after a reconnect: sessions catch up";
        if (auto* handler = handler_.load()) handler->on_bus_reset();
        control_heard_ = true;
    } else if (channel == control_channel_ && !control_heard_) {
        // The node read its group tree at start, before this subscription: a control message
        // published in between was lost here (a group made on another node just then would
        // stay unknown). Reading again now misses nothing; nobody is connected yet to resync.
        control_heard_ = true;
        if (auto* handler = handler_.load()) handler->on_bus_reset();
    }
}

void RedisBus::on_message(const std::string& channel, std::string payload) {
    if (channel == health_channel_) {
        last_echo_ = steady::now();
        return;
    }
    BusHandler* handler = handler_.load();
    if (handler == nullptr) return;
    if (channel == control_channel_) {
        // "<origin bus id>\n<message>"; this bus delivered its own ones when it sent them.
        const auto newline = payload.find('\n');
        if (newline != std::string::npos) {
            if (std::string_view(payload).substr(0, newline) == bus_id_) return;
            payload.erase(0, newline + 1);
        }
        handler->on_control(make_shared_bytes(std::move(payload)));
        return;
    }
    auto group = keys_.group_of_channel(channel);
    if (!group) return;
    const std::uint64_t seq = protocol::peek_event_seq(payload);
    handler->on_event(*group, seq, make_shared_bytes(std::move(payload)));
}

// ---- publishing ------------------------------------------------------------------------------

void RedisBus::publish_transient(std::string group, SharedBytes event) {
    loop_.post([this, group = std::move(group), event = std::move(event)] {
        // Presence is best effort: no connection, no notice.
        if (can_publish()) publish(keys_.group_channel(group), event);
    });
}

void RedisBus::publish_control(SharedBytes message) {
    // This node hears its own control message at once, as with the local bus: a change made
    // through this node reaches its caches without the round trip through Redis. The other
    // nodes hear it through Redis, tagged with this bus' id so that its echo is skipped here.
    if (auto* handler = handler_.load()) handler->on_control(message);
    auto tagged = make_shared_bytes(bus_id_ + '\n' + *message);
    loop_.post([this, message = std::move(tagged)] {
        if (can_publish() && control_backlog_.empty()) {
            publish(control_channel_, message);
            return;
        }
        if (control_backlog_.size() >= control_backlog_max) control_backlog_.pop_front();
        control_backlog_.push_back(message);
    });
}

void RedisBus::publisher_ready() {
    flush_control_backlog();
    update_health();
}

bool RedisBus::can_publish() const {
    // Until the mode is known, PUBLISH or SPUBLISH is not decided.
    return publisher_->mode_known() && publisher_->ready();
}

void RedisBus::flush_control_backlog() {
    if (!can_publish()) return;
    auto backlog = std::move(control_backlog_);
    control_backlog_.clear();
    for (auto& message : backlog) publish(control_channel_, message);
}

void RedisBus::publish(const std::string& channel, const SharedBytes& payload) {
    // A cluster: SPUBLISH, routed to the master of the channel's slot, which tells only its
    // own subscribers (PUBLISH would be broadcast to every node of the cluster).
    publisher_->command({publisher_->sharded_pubsub() ? "SPUBLISH" : "PUBLISH", channel, *payload},
                        [channel](const Result<redis::Reply>& reply) {
                            if (!reply) {
                                MUSTER_LOG_DEBUG("bus") << "publish to " << channel
                                                        << " failed: " << reply.status().message();
                            }
                        });
}

// ---- health ----------------------------------------------------------------------------------

void RedisBus::health_tick() {
    if (stopped_) return;
    const auto now = steady::now();
    std::vector<SubscriptionTracker::Waiter> failed;
    if (mode_ == Mode::sharded) {
        shards_->tick();
    } else if (subscriber_up() && tracker_.expire(now, failed)) {
        for (auto& waiter : failed) waiter(unavailable("Redis did not confirm the subscription"));
        subscriber_->recycle("a SUBSCRIBE was not confirmed in time");
    } else if (subscriber_up() && tracker_.active(health_channel_) &&
               now - last_echo_ > echo_grace_) {
        subscriber_->recycle(
            "no health echo for " +
            std::to_string(std::chrono::duration_cast<milliseconds>(now - last_echo_).count()) +
            " ms");
    }
    if (mode_ != Mode::sharded && !subscriber_up()) {
        fail_parked(nullptr, now, "the Redis bus did not connect in time");
    }
    if (mode_ == Mode::single && can_publish()) {
        publish(health_channel_, make_shared_bytes(std::to_string(++health_token_)));
    }
    update_health();
    health_timer_.expires_after(
        milliseconds(std::max<std::uint32_t>(config_.health_interval_ms, 10)));
    health_timer_.async_wait([this](const boost::system::error_code& error) {
        if (!error) health_tick();
    });
}

void RedisBus::update_health() {
    switch (mode_) {
        case Mode::unknown:
            healthy_ = false;
            return;
        case Mode::single:
            healthy_ = !stopped_ && subscriber_up() && publisher_->ready() &&
                       tracker_.active(control_channel_);
            return;
        case Mode::sharded:
            healthy_ = !stopped_ && publisher_->ready() && shards_->healthy();
            return;
    }
}

}  // namespace muster::bus
