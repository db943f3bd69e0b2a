#include "bus/redis/shard_subscriptions.hpp"

#include <algorithm>
#include <random>
#include <utility>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "redis/keys.hpp"

namespace muster::bus {

namespace {

double unit_random() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

Status unavailable(const std::string& why) {
    return {errc::unavailable, why};
}

}  // namespace

ShardSubscriptions::ShardSubscriptions(boost::asio::io_context& io, redis::Router& router,
                                       ShardSubscriptionsOptions options,
                                       ShardSubscriptionsHandlers handlers)
    : io_(io)
    , router_(router)
    , options_(std::move(options))
    , handlers_(std::move(handlers))
    , backoff_(options_.reconnect_min, options_.reconnect_max)
    , retry_timer_(io)
    , resubscribes_(metrics::registry().counter(
          "muster_bus_shard_resubscribes_total",
          "Bus channels subscribed again on a Redis Cluster master after losing their place "
          "(failover, slot move, lost connection)"))
    , connected_(metrics::registry().gauge(
          "muster_bus_shard_connections",
          "Redis Cluster masters the bus's sharded subscriber is connected to")) {}

ShardSubscriptions::~ShardSubscriptions() {
    stop();
}

void ShardSubscriptions::stop() {
    if (stopped_) return;
    stopped_ = true;
    retry_timer_.cancel();
    for (auto& [name, shard] : shards_) shard->close();
    shards_.clear();
    connected_.set(0);
    std::vector<Waiter> failed;
    for (auto& [name, channel] : channels_) {
        for (auto& waiter : channel.waiters) failed.push_back(std::move(waiter));
        channel.waiters.clear();
    }
    for (auto& waiter : failed) waiter(unavailable("the Redis bus is stopped"));
}

// ---- what the bus asks -----------------------------------------------------------------------

void ShardSubscriptions::add_permanent(const std::string& name) {
    auto [it, inserted] = channels_.try_emplace(name);
    if (!inserted) return;
    it->second.permanent = true;
    it->second.slot = redis::hash_slot(name);
    permanent_.push_back(name);
    place(name, it->second, nullptr);
}

void ShardSubscriptions::subscribe(const std::string& name, Waiter done) {
    if (stopped_) {
        done(unavailable("the Redis bus is stopped"));
        return;
    }
    auto [it, inserted] = channels_.try_emplace(name);
    Channel& channel = it->second;
    if (channel.active) {
        done(Unit{});
        return;
    }
    if (channel.waiters.empty()) channel.deadline = clock::now() + options_.command_timeout;
    channel.waiters.push_back(std::move(done));
    if (inserted) {
        channel.slot = redis::hash_slot(name);
        place(name, channel, nullptr);
    }
}

void ShardSubscriptions::unsubscribe(const std::string& name) {
    const auto it = channels_.find(name);
    if (it == channels_.end() || it->second.permanent) return;
    set_active(it->second, false);
    Channel channel = std::move(it->second);
    channels_.erase(it);
    if (channel.sent) {
        if (const auto shard = shards_.find(channel.shard); shard != shards_.end()) {
            shard->second->sunsubscribe(name);
        }
    }
    for (auto& waiter : channel.waiters) waiter(unavailable("unsubscribed before Redis confirmed"));
    close_idle_shards();
    check_reset();
    if (handlers_.changed) handlers_.changed();
}

void ShardSubscriptions::map_changed() {
    if (stopped_) return;
    for (auto& [name, channel] : channels_) {
        const redis::NodeAddress* owner = router_.owner(channel.slot);
        if (owner == nullptr || channel.shard == owner->str()) continue;
        if (!channel.shard.empty() && channel.sent) {
            // The slot moved while its old master lives on (a resharding, a manual failover):
            // stop listening there; its publications now go to the new owner.
            if (const auto shard = shards_.find(channel.shard); shard != shards_.end()) {
                shard->second->sunsubscribe(name);
            }
        }
        unplace(channel);
        place(name, channel, owner);
    }
    close_idle_shards();
    check_reset();
    if (handlers_.changed) handlers_.changed();
}

void ShardSubscriptions::tick() {
    if (stopped_) return;
    const auto now = clock::now();
    std::vector<Waiter> failed;
    for (auto it = channels_.begin(); it != channels_.end();) {
        Channel& channel = it->second;
        if (channel.waiters.empty() || channel.deadline > now) {
            ++it;
            continue;
        }
        for (auto& waiter : channel.waiters) failed.push_back(std::move(waiter));
        channel.waiters.clear();
        if (channel.permanent || channel.ever_active) {
            ++it;
            continue;
        }
        // Never confirmed in time: dropped, as on one Redis (a later subscribe() tries again).
        if (channel.sent) {
            if (const auto shard = shards_.find(channel.shard); shard != shards_.end()) {
                shard->second->sunsubscribe(it->first);
            }
        }
        it = channels_.erase(it);
    }
    for (auto& waiter : failed) waiter(unavailable("Redis did not confirm the subscription"));
    for (auto& [name, shard] : shards_) shard->ping();
    place_unplaced();
    close_idle_shards();
    check_reset();
}

// ---- placing channels ------------------------------------------------------------------------

void ShardSubscriptions::place(const std::string& name, Channel& channel,
                               const redis::NodeAddress* at) {
    const redis::NodeAddress* owner = at != nullptr ? at : router_.owner(channel.slot);
    channel.sent = false;
    if (owner == nullptr) {
        channel.shard.clear();
        router_.refresh_map();
        schedule_retry();
        return;
    }
    channel.shard = owner->str();
    ShardSubscriber* shard = connection_to(*owner);
    if (shard == nullptr) {
        schedule_retry();  // that master failed a moment ago: after its backoff
        return;
    }
    if (shard->ready()) channel.sent = shard->ssubscribe(name);
}

void ShardSubscriptions::place_unplaced() {
    for (auto& [name, channel] : channels_) {
        if (!channel.sent && !shards_.contains(channel.shard)) place(name, channel, nullptr);
    }
}

void ShardSubscriptions::unplace(Channel& channel) {
    // Publications between the loss and the next confirmation are missed: the log fills that.
    if (channel.active) gap_ = true;
    set_active(channel, false);
    channel.sent = false;
    channel.shard.clear();
}

ShardSubscriber* ShardSubscriptions::connection_to(const redis::NodeAddress& node) {
    const std::string key = node.str();
    if (const auto it = shards_.find(key); it != shards_.end()) return it->second.get();
    if (const auto retry = retry_.find(key);
        retry != retry_.end() && clock::now() < retry->second.not_before) {
        return nullptr;
    }
    ShardSubscriberOptions options;
    options.node = node;
    options.user = options_.user;
    options.password = options_.password;
    options.client_name = options_.client_name;
    options.connect_timeout = options_.connect_timeout;
    options.command_timeout = options_.command_timeout;
    ShardSubscriberHandlers handlers;
    handlers.ready = [this, key] { shard_ready(key); };
    handlers.lost = [this, key](const std::string& why) { shard_lost(key, why); };
    handlers.message = [this](const std::string& channel, std::string payload) {
        if (handlers_.message) handlers_.message(channel, std::move(payload));
    };
    handlers.subscribed = [this, key](const std::string& channel) { subscribed(key, channel); };
    handlers.refused = [this, key](const std::string& channel, const std::string& error) {
        refused(key, channel, error);
    };
    handlers.dropped = [this, key](const std::string& channel) { dropped(key, channel); };
    auto shard = ShardSubscriber::create(io_, std::move(options), std::move(handlers));
    shards_.emplace(key, shard);
    shard->start();
    const auto it = shards_.find(key);  // start() may have failed at once
    return it != shards_.end() ? it->second.get() : nullptr;
}

void ShardSubscriptions::close_idle_shards() {
    for (auto it = shards_.begin(); it != shards_.end();) {
        const bool used = std::any_of(channels_.begin(), channels_.end(),
                                      [&](const auto& c) { return c.second.shard == it->first; });
        if (used) {
            ++it;
            continue;
        }
        it->second->close();
        it = shards_.erase(it);
    }
    count_connected();
}

void ShardSubscriptions::count_connected() {
    connected_.set(static_cast<std::int64_t>(std::count_if(
        shards_.begin(), shards_.end(), [](const auto& shard) { return shard.second->ready(); })));
}

void ShardSubscriptions::schedule_retry() {
    if (retry_armed_ || stopped_) return;
    retry_armed_ = true;
    retry_timer_.expires_after(std::max(options_.reconnect_min, std::chrono::milliseconds(10)));
    retry_timer_.async_wait([this](const boost::system::error_code& error) {
        retry_armed_ = false;
        if (error || stopped_) return;
        place_unplaced();
    });
}

// ---- what the masters say --------------------------------------------------------------------

void ShardSubscriptions::shard_ready(const std::string& key) {
    retry_.erase(key);
    const auto shard = shards_.find(key);
    if (shard == shards_.end()) return;
    std::size_t sent = 0;
    for (auto& [name, channel] : channels_) {
        if (channel.shard != key || channel.sent) continue;
        channel.sent = shard->second->ssubscribe(name);
        ++sent;
    }
    MUSTER_LOG_INFO("bus") << "sharded subscriber connected to " << key << "; subscribing to "
                           << sent << " channels";
    count_connected();
    if (handlers_.changed) handlers_.changed();
}

void ShardSubscriptions::shard_lost(const std::string& key, const std::string& why) {
    shards_.erase(key);
    count_connected();
    Retry& retry = retry_[key];
    retry.not_before = clock::now() + backoff_.delay(retry.failures, unit_random());
    ++retry.failures;
    std::size_t lost = 0;
    for (auto& [name, channel] : channels_) {
        if (channel.shard != key) continue;
        unplace(channel);
        ++lost;
    }
    MUSTER_LOG_WARN("bus") << "lost the sharded subscriber of " << key << " (" << why << "); "
                           << lost << " channels to place again";
    router_.refresh_map();
    // Where the map already names another master (a failover the cluster has settled), at
    // once; the others when their master may be tried again.
    place_unplaced();
    schedule_retry();
    if (handlers_.changed) handlers_.changed();
}

void ShardSubscriptions::subscribed(const std::string& key, const std::string& name) {
    const auto it = channels_.find(name);
    if (it == channels_.end() || it->second.shard != key) return;  // gone or moved meanwhile
    Channel& channel = it->second;
    if (channel.ever_active) resubscribes_.inc();
    set_active(channel, true);
    channel.ever_active = true;
    auto waiters = std::move(channel.waiters);
    channel.waiters.clear();
    for (auto& waiter : waiters) waiter(Unit{});
    check_reset();
    if (handlers_.changed) handlers_.changed();
}

void ShardSubscriptions::refused(const std::string& key, const std::string& name,
                                 const std::string& error) {
    const auto it = channels_.find(name);
    if (it == channels_.end() || it->second.shard != key) return;
    Channel& channel = it->second;
    channel.sent = false;
    router_.refresh_map();
    const auto redirect = redis::parse_redirect(error);
    if (redirect && redirect->kind == redis::Redirect::Kind::moved) {
        router_.learn_moved(redirect->slot, redirect->target);
        place(name, channel, &redirect->target);
        return;
    }
    // -ASK (a slot being migrated: no ASKING for a subscription), -CLUSTERDOWN, -TRYAGAIN...:
    // again in a moment, wherever the map then says.
    MUSTER_LOG_DEBUG("bus") << "SSUBSCRIBE " << name << " on " << key << ": " << error;
    channel.shard.clear();
    schedule_retry();
}

void ShardSubscriptions::dropped(const std::string& key, const std::string& name) {
    const auto it = channels_.find(name);
    if (it == channels_.end() || it->second.shard != key) return;
    MUSTER_LOG_INFO("bus") << key << " dropped " << name << " (its slot moved)";
    unplace(it->second);
    router_.refresh_map();
    // The map may still name the old master: it answers -MOVED with the new one.
    place(name, it->second, nullptr);
    if (handlers_.changed) handlers_.changed();
}

void ShardSubscriptions::check_reset() {
    if (!gap_ || stopped_ || active_total_ < channels_.size()) return;
    gap_ = false;
    MUSTER_LOG_WARN("bus") << "every channel is subscribed again after a shard change: sessions "
                              "catch up";
    if (handlers_.reset) handlers_.reset();
}

// ---- state -----------------------------------------------------------------------------------

bool ShardSubscriptions::active(const std::string& name) const {
    const auto it = channels_.find(name);
    return it != channels_.end() && it->second.active;
}

void ShardSubscriptions::set_active(Channel& channel, bool active) {
    if (channel.active == active) return;
    channel.active = active;
    const std::size_t one = 1;
    active_total_ = active ? active_total_ + one : active_total_ - one;
    if (!channel.permanent) active_groups_ = active ? active_groups_ + one : active_groups_ - one;
}

std::size_t ShardSubscriptions::active_count() const {
    return active_groups_;
}

bool ShardSubscriptions::healthy() const {
    if (stopped_) return false;
    for (const auto& name : permanent_) {
        if (!active(name)) return false;
    }
    return std::all_of(shards_.begin(), shards_.end(),
                       [](const auto& shard) { return shard.second->ready(); });
}

}  // namespace muster::bus
