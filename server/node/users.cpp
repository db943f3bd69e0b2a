#include "node/users.hpp"

#include <algorithm>

namespace muster::node {

bool Users::attach(const std::string& user, const std::shared_ptr<Client>& client) {
    std::lock_guard lock(mutex_);
    auto& list = clients_[user];
    if (list.size() >= max_per_user_) return false;
    list.push_back(client);
    return true;
}

void Users::detach(const std::string& user, const Client* client) {
    std::lock_guard lock(mutex_);
    const auto it = clients_.find(user);
    if (it == clients_.end()) return;
    std::erase_if(it->second, [client](const std::weak_ptr<Client>& w) {
        const auto locked = w.lock();
        return !locked || locked.get() == client;
    });
    if (it->second.empty()) clients_.erase(it);
}

std::vector<std::shared_ptr<Client>> Users::clients_of(const std::string& user) const {
    std::vector<std::shared_ptr<Client>> out;
    std::lock_guard lock(mutex_);
    const auto it = clients_.find(user);
    if (it == clients_.end()) return out;
    for (const auto& weak : it->second) {
        if (auto client = weak.lock()) out.push_back(std::move(client));
    }
    return out;
}

std::vector<std::string> Users::user_ids() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    out.reserve(clients_.size());
    for (const auto& [user, clients] : clients_) out.push_back(user);
    return out;
}

std::size_t Users::user_count() const {
    std::lock_guard lock(mutex_);
    return clients_.size();
}

}  // namespace muster::node
