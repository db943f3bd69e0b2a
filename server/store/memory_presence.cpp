#include "store/memory_presence.hpp"

#include <utility>

namespace muster::store {

void MemoryPresence::join(std::string group, std::string user, std::string name, Done<bool> done) {
    bool first = false;
    {
        std::lock_guard lock(mutex_);
        auto& online = groups_[std::move(group)][std::move(user)];
        first = online.connections++ == 0;
        if (!name.empty()) online.name = std::move(name);
    }
    done(first);
}

void MemoryPresence::leave(std::string group, std::string user, Done<bool> done) {
    bool last = false;
    {
        std::lock_guard lock(mutex_);
        if (auto g = groups_.find(group); g != groups_.end()) {
            if (auto u = g->second.find(user); u != g->second.end()) {
                if (--u->second.connections == 0) {
                    last = true;
                    g->second.erase(u);
                    if (g->second.empty()) groups_.erase(g);
                }
            }
        }
    }
    done(last);
}

void MemoryPresence::list(std::string group, std::string after, std::uint32_t limit,
                          Done<PresencePage> done) {
    PresencePage page;
    {
        std::lock_guard lock(mutex_);
        if (auto g = groups_.find(group); g != groups_.end()) {
            const auto& users = g->second;
            page.online = users.size();
            auto it = after.empty() ? users.begin() : users.upper_bound(after);
            for (; it != users.end() && page.entries.size() < limit; ++it) {
                page.entries.push_back({it->first, it->second.name});
            }
            if (it != users.end() && !page.entries.empty()) page.next = page.entries.back().user;
        }
    }
    done(std::move(page));
}

void MemoryPresence::count(std::string group, Done<std::uint64_t> done) {
    std::uint64_t online = 0;
    {
        std::lock_guard lock(mutex_);
        if (auto g = groups_.find(group); g != groups_.end()) online = g->second.size();
    }
    done(online);
}

void MemoryPresence::is_connected(std::string user, Done<bool> done) {
    bool connected = false;
    {
        std::lock_guard lock(mutex_);
        connected = connections_.contains(user);
    }
    done(connected);
}

void MemoryPresence::connected_among(std::vector<std::string> users, Done<Connected> done) {
    Connected connected;
    connected.reserve(users.size());
    {
        std::lock_guard lock(mutex_);
        for (const auto& user : users) connected.emplace_back(connections_.contains(user));
    }
    done(std::move(connected));
}

void MemoryPresence::connection_opened(const std::string& user) {
    std::lock_guard lock(mutex_);
    ++connections_[user];
}

void MemoryPresence::connection_closed(const std::string& user) {
    std::lock_guard lock(mutex_);
    if (auto it = connections_.find(user); it != connections_.end() && --it->second == 0) {
        connections_.erase(it);
    }
}

}  // namespace muster::store
