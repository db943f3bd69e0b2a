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

void MemoryPresence::list(std::string group, Done<std::vector<PresenceEntry>> done) {
    std::vector<PresenceEntry> entries;
    {
        std::lock_guard lock(mutex_);
        if (auto g = groups_.find(group); g != groups_.end()) {
            entries.reserve(g->second.size());
            for (const auto& [user, online] : g->second) entries.push_back({user, online.name});
        }
    }
    done(std::move(entries));
}

void MemoryPresence::is_connected(std::string user, Done<bool> done) {
    bool connected = false;
    {
        std::lock_guard lock(mutex_);
        connected = connections_.contains(user);
    }
    done(connected);
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
