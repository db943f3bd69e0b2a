#pragma once
// The store shared by the nodes of a cluster: everything in one Redis (redis.url), reached
// through one connection on a thread of its own (redis::Client). The composition root builds
// it, with a RedisBus, when redis.url is set.
//
// Redis must keep what it is given: run it with appendonly yes (the tests do) and
// maxmemory-policy noeviction (the default), or acknowledged events may be lost.
//
// While Redis is unreachable every call fails fast with UNAVAILABLE (ping() too, so
// /readyz says 503), and everything works again once the connection is back; nothing needs
// a restart.

#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "redis/client.hpp"
#include "redis/endpoint.hpp"
#include "redis/keys.hpp"
#include "store/redis/redis_directory.hpp"
#include "store/redis/redis_event_log.hpp"
#include "store/redis/redis_presence.hpp"
#include "store/store.hpp"

namespace muster::store {

class RedisStore final : public Store {
  public:
    // Connects in the background; calls made meanwhile wait for the first connection (up to
    // the command timeout). `node_id` names this node's presence entries; unique per process.
    // `clock` must outlive the store.
    RedisStore(const Config& config, redis::Endpoint endpoint, std::string node_id,
               const Clock& clock);
    // close()
    ~RedisStore() override;
    RedisStore(const RedisStore&) = delete;
    RedisStore& operator=(const RedisStore&) = delete;

    EventLog& log() override { return log_; }
    Directory& directory() override { return directory_; }
    PresenceStore& presence() override { return presence_; }

    // The concrete parts, for stores built on this one (duty calls, meetings) and tests.
    [[nodiscard]] redis::Client& client() { return client_; }
    [[nodiscard]] const redis::Keys& keys() const { return keys_; }
    [[nodiscard]] RedisEventLog& redis_log() { return log_; }
    [[nodiscard]] RedisPresence& redis_presence() { return presence_; }

    // PING.
    void ping(Done<Unit> done) override;
    // Lets the commands in flight finish (up to the command timeout), then closes the
    // connection and stops the thread. Blocks; idempotent.
    void close() override;

  private:
    const redis::Keys keys_;
    const std::chrono::milliseconds command_timeout_;
    redis::Client client_;  // before the parts: they post to its loop until close()
    RedisEventLog log_;
    RedisDirectory directory_;
    RedisPresence presence_;
};

}  // namespace muster::store
