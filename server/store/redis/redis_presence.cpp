#include "store/redis/redis_presence.hpp"

#include <algorithm>
#include <utility>

#include "core/log.hpp"
#include "store/redis/redis_scripts.hpp"

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
        redis_scripts::presence_join().run(
            client_.connection(), presence_keys(group), {node_id_, user, online.name, ttl_ms_},
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
            redis_scripts::presence_leave().run(
                client_.connection(), presence_keys(group), {node_id_, user},
                [this, group, user, done = std::move(done)](const Result<redis::Reply>& reply) {
                    if (!reply) stale_[group].insert(user);  // the heartbeat removes it later
                    done(flag_of(reply));
                });
        });
}

void RedisPresence::list(std::string group, std::string after, std::uint32_t limit,
                         Done<PresencePage> done) {
    client_.run(redis_scripts::presence_list(), presence_keys(group),
                {std::move(after), std::to_string(std::max<std::uint32_t>(limit, 1))},
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
    client_.run(redis_scripts::presence_count(), presence_keys(group), {},
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

std::vector<std::string> RedisPresence::presence_keys(const std::string& group) const {
    return {keys_.presence_online(group), keys_.presence_nodes(group), keys_.presence_names(group),
            keys_.presence_users(group)};
}

// ---- per user --------------------------------------------------------------------------------

void RedisPresence::is_connected(std::string user, Done<bool> done) {
    client_.loop().post([this, user = std::move(user), done = std::move(done)]() mutable {
        if (connections_.contains(user)) {
            done(true);
            return;
        }
        redis_scripts::user_connected().run(
            client_.connection(), {keys_.user_nodes(user)}, {},
            [done = std::move(done)](const Result<redis::Reply>& reply) { done(flag_of(reply)); });
    });
}

void RedisPresence::connection_opened(const std::string& user) {
    client_.loop().post([this, user] {
        if (connections_[user]++ > 0) return;
        stale_users_.erase(user);
        redis_scripts::live_entry().run(client_.connection(), {keys_.user_nodes(user)},
                                        {node_id_, ttl_ms_, "add"},
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
        redis_scripts::live_entry().run(client_.connection(), {keys_.user_nodes(user)},
                                        {node_id_, ttl_ms_, "remove"},
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
        redis_scripts::live_entry().run(client_.connection(), {keys_.nodes_alive()},
                                        {node_id_, ttl_ms_, "remove"},
                                        [](const Result<redis::Reply>&) {});
    }
}

void RedisPresence::live_nodes(Done<std::vector<std::string>> done) {
    client_.run(redis_scripts::nodes_alive(), {keys_.nodes_alive()}, {},
                [done = std::move(done)](Result<redis::Reply> reply) {
                    if (!reply) {
                        done(reply.status());
                        return;
                    }
                    std::vector<std::string> nodes;
                    for (auto& node : reply->elements) nodes.push_back(std::move(node.str));
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
    redis_scripts::live_entry().run(client_.connection(), {keys_.nodes_alive()},
                                    {node_id_, ttl_ms_, "add"}, [](const Result<redis::Reply>&) {});
    std::set<std::string> groups;
    for (const auto& [group, users] : groups_) groups.insert(group);
    for (const auto& [group, users] : stale_) {
        if (!users.empty()) groups.insert(group);
    }
    for (const auto& group : groups) refresh_group(group);

    for (const auto& [user, count] : connections_) {
        redis_scripts::live_entry().run(client_.connection(), {keys_.user_nodes(user)},
                                        {node_id_, ttl_ms_, "add"},
                                        [](const Result<redis::Reply>&) {});
    }
    auto stale_users = std::move(stale_users_);
    stale_users_.clear();
    for (const auto& user : stale_users) {
        if (connections_.contains(user)) continue;
        redis_scripts::live_entry().run(client_.connection(), {keys_.user_nodes(user)},
                                        {node_id_, ttl_ms_, "remove"},
                                        [this, user](const Result<redis::Reply>& reply) {
                                            if (!reply) stale_users_.insert(user);
                                        });
    }
}

void RedisPresence::refresh_group(const std::string& group) {
    std::vector<std::string> args{node_id_, ttl_ms_, "0"};
    std::size_t present = 0;
    if (const auto g = groups_.find(group); g != groups_.end()) {
        for (const auto& [user, online] : g->second) {
            args.push_back(user);
            args.push_back(online.name);
            ++present;
        }
    }
    args[2] = std::to_string(present);
    std::vector<std::string> dropped;
    if (const auto s = stale_.find(group); s != stale_.end()) {
        dropped.assign(s->second.begin(), s->second.end());
        stale_.erase(s);
    }
    args.insert(args.end(), dropped.begin(), dropped.end());
    redis_scripts::presence_refresh().run(
        client_.connection(), presence_keys(group), std::move(args),
        [this, group, dropped](const Result<redis::Reply>& reply) {
            if (reply) return;
            // Not written: try the drops again next time (unless the user came back meanwhile).
            for (const auto& user : dropped) {
                const auto g = groups_.find(group);
                if (g == groups_.end() || !g->second.contains(user)) stale_[group].insert(user);
            }
        });
}

}  // namespace muster::store
