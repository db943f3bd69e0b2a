#pragma once
// Presence across nodes, in Redis (see presence.hpp for the contract).
//
// Each node counts its own connections per (group, user) in memory, like MemoryPresence, and
// goes to Redis only when its count goes 0 -> 1 (join) or 1 -> 0 (leave). Redis holds, per
// group, one entry per (node, user) with an expiry (lua/lib/presence.lua), so
// "came online" and "went offline" are decided across nodes, atomically, by a script: a user
// with devices on two nodes is online once, and goes offline when the last device anywhere
// leaves. The entries of a node live as long as its heartbeat refreshes them (every third of
// the TTL): a node that dies takes its users with it within redis.presence_ttl_s.
//
// Where users are connected at all (is_connected, for push) works the same way, per user.
//
// While Redis is away, joins and leaves fail with UNAVAILABLE (no announcement) but the local
// counts stay right; the next heartbeat after Redis returns writes this node's entries again
// and removes those whose leave could not be written, and a reconnect triggers a heartbeat
// at once.
//
// All state lives on the Redis thread; the calls post there.

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "redis/client.hpp"
#include "redis/keys.hpp"
#include "store/presence.hpp"

namespace muster::store {

class RedisPresence final : public PresenceStore {
  public:
    // `client` and `keys` must outlive this. `node_id` names this node's entries.
    RedisPresence(redis::Client& client, const redis::Keys& keys, std::string node_id,
                  std::chrono::seconds ttl);

    void join(std::string group, std::string user, std::string name, Done<bool> done) override;
    void leave(std::string group, std::string user, Done<bool> done) override;
    void list(std::string group, std::string after, std::uint32_t limit,
              Done<PresencePage> done) override;
    void count(std::string group, Done<std::uint64_t> done) override;
    void is_connected(std::string user, Done<bool> done) override;
    void connection_opened(const std::string& user) override;
    void connection_closed(const std::string& user) override;

    // Loop thread: start the heartbeat; stop it (and say this node is gone); refresh every
    // entry of this node now. The heartbeat also keeps this node among the live ones.
    void start_heartbeat();
    void stop_heartbeat();
    void heartbeat();

    // The node processes whose heartbeat is fresh (this one included once it has beaten):
    // the others are dead or stopped. Any thread.
    void live_nodes(Done<std::vector<std::string>> done);
    [[nodiscard]] const std::string& node_id() const { return node_id_; }

  private:
    struct Online {
        std::string name;
        std::uint32_t connections = 0;
    };
    void schedule_heartbeat();
    // The four keys of a group's presence, as any presence script (lua::Presence*) names them.
    template <typename Script>
    [[nodiscard]] typename Script::Keys presence_keys(const std::string& group) const;
    void refresh_group(const std::string& group);

    redis::Client& client_;
    const redis::Keys& keys_;
    const std::string node_id_;
    const std::chrono::milliseconds ttl_;
    const std::string ttl_ms_;

    // Loop thread only.
    std::unordered_map<std::string, std::map<std::string, Online>> groups_;
    std::unordered_map<std::string, std::uint32_t> connections_;
    std::unordered_map<std::string, std::set<std::string>> stale_;  // group -> leaves not written
    std::set<std::string> stale_users_;                             // disconnects not written
    boost::asio::steady_timer timer_;
    bool beating_ = false;
};

}  // namespace muster::store
