#include "store/redis/redis_store.hpp"

#include <utility>

#include "store/redis/lua_call.hpp"

namespace muster::store {
namespace {

redis::ConnectionOptions store_connection(const RedisConfig& config, redis::Endpoint endpoint,
                                          const std::string& node_id) {
    redis::ConnectionOptions options;
    options.name = "store";
    options.endpoint = std::move(endpoint);
    options.connect_timeout = std::chrono::milliseconds(config.connect_timeout_ms);
    options.command_timeout = std::chrono::milliseconds(config.command_timeout_ms);
    options.reconnect_min = std::chrono::milliseconds(config.reconnect_min_ms);
    options.reconnect_max = std::chrono::milliseconds(config.reconnect_max_ms);
    options.client_name = "muster-store-" + node_id;
    for (const redis::Script* script : lua::all()) {
        for (auto& body : script->bodies()) options.setup.push_back({"SCRIPT", "LOAD", body});
    }
    return options;
}

}  // namespace

RedisStore::RedisStore(const Config& config, redis::Endpoint endpoint, std::string node_id,
                       const Clock& clock)
    : keys_(config.redis.key_prefix)
    , command_timeout_(config.redis.command_timeout_ms)
    , client_(store_connection(config.redis, std::move(endpoint), node_id),
              redis::RouterOptions{config.redis.cluster_max_redirects,
                                   std::chrono::milliseconds(config.redis.cluster_retry_ms),
                                   config.redis.cluster_wait_replicas,
                                   std::chrono::milliseconds(config.redis.cluster_wait_ms)})
    , log_(client_, keys_, config.log, clock)
    , directory_(client_, keys_)
    , presence_(client_, keys_, std::move(node_id),
                std::chrono::seconds(config.redis.presence_ttl_s)) {
    // Back after an outage (or a Redis that lost data): this node's presence at once.
    client_.connection().on_ready([this] { presence_.heartbeat(); });
    client_.start();
    client_.loop().post([this] { presence_.start_heartbeat(); });
    log_.start_trimming(std::chrono::seconds(config.store.trim_interval_s));
}

RedisStore::~RedisStore() {
    close();
}

void RedisStore::ping(Done<Unit> done) {
    client_.command({"PING"}, [done = std::move(done)](const Result<redis::Reply>& reply) {
        if (!reply) {
            done(reply.status());
        } else {
            done(Unit{});
        }
    });
}

void RedisStore::close() {
    client_.close(command_timeout_, [this] {
        presence_.stop_heartbeat();
        log_.stop_trimming();
    });
}

}  // namespace muster::store
