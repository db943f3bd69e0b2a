#include "store/redis/redis_presence.hpp"

#include <algorithm>
#include <utility>

#include "core/log.hpp"
#include "store/redis/lua_call.hpp"

namespace muster::store {

namespace {

Result<bool> flag_of(const Result<redis::Reply>& reply) {
    if (!reply) return reply.status();
    std::int64_t value = 0;
    if (!redis::as_integer(*reply, value)) {
        return Status(errc::internal, "redis: unexpected reply to a presence script");
    }
    return value == 1;
}

}  // namespace

RedisPresence::RedisPresence(redis::Client& client, const redis::Keys& keys, std::string node_id,
                             std::chrono::seconds ttl)
    : client_(client)
    , keys_(keys)
    , node_id_(std::move(node_id))
    , ttl_(std::max<std::chrono::milliseconds>(ttl, std::chrono::seconds(1)))
    , ttl_ms_(std::to_string(ttl_.count()))
    , timer_(client.loop().io()) {}

// ---- per group -------------------------------------------------------------------------------

void RedisPresence::join(std::string group, std::string user, std::string name, Done<bool> done) {
    client_.loop().post([this, group = std::move(group), user = std::move(user),
                         name = std::move(name), done = std::move(done)]() mutable {
        auto& online = groups_[group][user];
        if (!name.empty()) online.name = name;
        if (online.connections++ > 0) {
            done(false);  // already here: nobody new anywhere
            return;
        }
        if (auto it = stale_.find(group); it != stale_.end()) it->second.erase(user);
        lua::run<lua::PresenceJoin>(
            client_.connection(), presence_keys<lua::PresenceJoin>(group),
            {.node = node_id_, .user = user, .name = online.name, .ttl_ms = ttl_ms_},
            [done = std::move(done)](const Result<redis::Reply>& reply) { done(flag_of(reply)); });
    });
}

void RedisPresence::leave(std::string group, std::string user, Done<bool> done) {
    client_.loop().post(
        [this, group = std::move(group), user = std::move(user), done = std::move(done)]() mutable {
            const auto g = groups_.find(group);
            if (g == groups_.end()) {
                done(false);
                return;
            }
            const auto u = g->second.find(user);
            if (u == g->second.end()) {
                done(false);
                return;
            }
            if (--u->second.connections > 0) {
                done(false);
                return;
            }
            g->second.erase(u);
            if (g->second.empty()) groups_.erase(g);
            lua::run<lua::PresenceLeave>(
                client_.connection(), presence_keys<lua::PresenceLeave>(group),
                {.node = node_id_, .user = user},
                [this, group, user, done = std::move(done)](const Result<redis::Reply>& reply) {
                    if (!reply) stale_[group].insert(user);  // the heartbeat removes it later
                    done(flag_of(reply));
                });
        });
}

void RedisPresence::list(std::string group, std::string after, std::uint32_t limit,
                         Done<PresencePage> done) {
    lua::run<lua::PresenceList>(
        client_, presence_keys<lua::PresenceList>(group),
        {.after = std::move(after), .limit_text = std::max<std::uint32_t>(limit, 1)},
        [done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            const auto& fields = reply->elements;
            std::int64_t online = 0;
            if (fields.size() < 2 || !redis::as_integer(fields[0], online)) {
                done(Status(errc::internal, "redis: unexpected presence page"));
                return;
            }
            PresencePage page;
            page.online = static_cast<std::uint64_t>(online);
            page.next = fields[1].str;
            page.entries.reserve((fields.size() - 2) / 2);
            for (std::size_t i = 2; i + 1 < fields.size(); i += 2) {
                page.entries.push_back(PresenceEntry{fields[i].str, fields[i + 1].str});
            }
            done(std::move(page));
        });
}

void RedisPresence::count(std::string group, Done<std::uint64_t> done) {
    lua::run<lua::PresenceCount>(
        client_, presence_keys<lua::PresenceCount>(group), {},
        [done = std::move(done)](Result<redis::Reply> reply) {
            std::int64_t online = 0;
            if (!reply) {
                done(reply.status());
            } else if (!redis::as_integer(*reply, online)) {
                done(Status(errc::internal, "redis: unexpected presence count"));
            } else {
                done(static_cast<std::uint64_t>(online));
            }
        });
}

template <typename Script>
typename Script::Keys RedisPresence::presence_keys(const std::string& group) const {
    return {.online_key = keys_.presence_online(group),
            .nodes_key = keys_.presence_nodes(group),
            .names_key = keys_.presence_names(group),
            .users_key = keys_.presence_users(group)};
}

// ---- per user --------------------------------------------------------------------------------

void RedisPresence::is_connected(std::string user, Done<bool> done) {
    client_.loop().post([this, user = std::move(user), done = std::move(done)]() mutable {
        if (connections_.contains(user)) {
            done(true);
            return;
        }
        lua::run<lua::UserConnected>(
            client_.connection(), {.user_nodes_key = keys_.user_nodes(user)}, {},
            [done = std::move(done)](const Result<redis::Reply>& reply) { done(flag_of(reply)); });
    });
}

void RedisPresence::connection_opened(const std::string& user) {
    client_.loop().post([this, user] {
        if (connections_[user]++ > 0) return;
        stale_users_.erase(user);
        lua::run<lua::LiveEntry>(client_.connection(), {.set_key = keys_.user_nodes(user)},
                                 {.node = node_id_, .ttl_ms = ttl_ms_, .action = "add"},
                                 [](const Result<redis::Reply>&) {
                                     // A failure is repaired by the next heartbeat.
                                 });
    });
}

void RedisPresence::connection_closed(const std::string& user) {
    client_.loop().post([this, user] {
        const auto it = connections_.find(user);
        if (it == connections_.end() || --it->second > 0) return;
        connections_.erase(it);
        lua::run<lua::LiveEntry>(client_.connection(), {.set_key = keys_.user_nodes(user)},
                                 {.node = node_id_, .ttl_ms = ttl_ms_, .action = "remove"},
                                 [this, user](const Result<redis::Reply>& reply) {
                                     if (!reply) stale_users_.insert(user);
                                 });
    });
}

// ---- heartbeat -------------------------------------------------------------------------------

void RedisPresence::start_heartbeat() {
    beating_ = true;
    schedule_heartbeat();
}

void RedisPresence::stop_heartbeat() {
    beating_ = false;
    timer_.cancel();
    // Stopping cleanly: not alive any more, at once rather than after the TTL.
    if (client_.connection().ready()) {
        lua::run<lua::LiveEntry>(client_.connection(), {.set_key = keys_.nodes_alive()},
                                 {.node = node_id_, .ttl_ms = ttl_ms_, .action = "remove"},
                                 [](const Result<redis::Reply>&) {});
    }
}

void RedisPresence::live_nodes(Done<std::vector<std::string>> done) {
    lua::run<lua::NodesAlive>(client_, {.nodes_key = keys_.nodes_alive()}, {},
                              [done = std::move(done)](Result<redis::Reply> reply) {
                                  if (!reply) {
                                      done(reply.status());
                                      return;
                                  }
                                  std::vector<std::string> nodes;
                                  for (auto& node : reply->elements)
                                      nodes.push_back(std::move(node.str));
                                  done(std::move(nodes));
                              });
}

void RedisPresence::schedule_heartbeat() {
    // A third of the TTL: an entry survives two lost heartbeats.
    timer_.expires_after(
        std::max<std::chrono::milliseconds>(ttl_ / 3, std::chrono::milliseconds(300)));
    timer_.async_wait([this](const boost::system::error_code& error) {
        if (error || !beating_) return;
        heartbeat();
        schedule_heartbeat();
    });
}

// Cost: one script per group with local users (all of them as arguments) and one per local
// user, every third of the TTL: 10k users on a node are ~10k small commands every 10 s.
void RedisPresence::heartbeat() {
    if (!client_.connection().ready()) return;
    // This process is alive (meetings recover the connections of the dead ones).
    lua::run<lua::LiveEntry>(client_.connection(), {.set_key = keys_.nodes_alive()},
                             {.node = node_id_, .ttl_ms = ttl_ms_, .action = "add"},
                             [](const Result<redis::Reply>&) {});
    std::set<std::string> groups;
    for (const auto& [group, users] : groups_) groups.insert(group);
    for (const auto& [group, users] : stale_) {
        if (!users.empty()) groups.insert(group);
    }
    for (const auto& group : groups) refresh_group(group);

    for (const auto& [user, count] : connections_) {
        lua::run<lua::LiveEntry>(client_.connection(), {.set_key = keys_.user_nodes(user)},
                                 {.node = node_id_, .ttl_ms = ttl_ms_, .action = "add"},
                                 [](const Result<redis::Reply>&) {});
    }
    auto stale_users = std::move(stale_users_);
    stale_users_.clear();
    for (const auto& user : stale_users) {
        if (connections_.contains(user)) continue;
        lua::run<lua::LiveEntry>(client_.connection(), {.set_key = keys_.user_nodes(user)},
                                 {.node = node_id_, .ttl_ms = ttl_ms_, .action = "remove"},
                                 [this, user](const Result<redis::Reply>& reply) {
                                     if (!reply) stale_users_.insert(user);
                                 });
    }
}

void RedisPresence::refresh_group(const std::string& group) {
    std::vector<std::string> users;  // (user, name) of each present, then the drops
    std::size_t present = 0;
    if (const auto g = groups_.find(group); g != groups_.end()) {
        for (const auto& [user, online] : g->second) {
            users.push_back(user);
            users.push_back(online.name);
            ++present;
        }
    }
    std::vector<std::string> dropped;
    if (const auto s = stale_.find(group); s != stale_.end()) {
        dropped.assign(s->second.begin(), s->second.end());
        stale_.erase(s);
    }
    users.insert(users.end(), dropped.begin(), dropped.end());
    lua::PresenceRefresh::Args args{
        .node = node_id_, .ttl_ms = ttl_ms_, .present = present, .more = std::move(users)};
    lua::run<lua::PresenceRefresh>(client_.connection(), presence_keys<lua::PresenceRefresh>(group),
                                   std::move(args),
                                   [this, group, dropped](const Result<redis::Reply>& reply) {
                                       if (reply) return;
                                       // Not written: try the drops again next time (unless the
                                       // user came back meanwhile).
                                       for (const auto& user : dropped) {
                                           const auto g = groups_.find(group);
                                           if (g == groups_.end() || !g->second.contains(user))
                                               stale_[group].insert(user);
                                       }
                                   });
}

}  // namespace muster::store
