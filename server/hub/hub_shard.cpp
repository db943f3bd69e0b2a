#include "hub/hub_shard.hpp"

#include <algorithm>

namespace muster::hub {

bool HubShard::add(const std::string& group, Subscriber* subscriber) {
    auto& members = groups_[group];
    members.list.push_back(subscriber);
    return members.list.size() - members.holes == 1;
}

bool HubShard::remove(const std::string& group, Subscriber* subscriber) {
    const auto it = groups_.find(group);
    if (it == groups_.end()) return true;
    auto& list = it->second.list;
    // O(subscribers in the group); removal is per unsubscribe, not per message.
    const auto found = std::find(list.begin(), list.end(), subscriber);
    if (found == list.end()) return list.size() == it->second.holes;
    if (delivering_ != nullptr && *delivering_ == group) {
        *found = nullptr;
        ++it->second.holes;
        return list.size() == it->second.holes;
    }
    *found = list.back();
    list.pop_back();
    if (list.empty()) {
        groups_.erase(it);
        return true;
    }
    return false;
}

void HubShard::deliver(const protocol::SharedEvent& event) {
    const auto it = groups_.find(event->group());
    if (it == groups_.end()) return;
    delivering_ = &it->first;
    // By index: a subscriber may add itself elsewhere in the list while we walk it.
    for (std::size_t i = 0; i < it->second.list.size(); ++i) {
        if (Subscriber* subscriber = it->second.list[i]) subscriber->on_group_event(event);
    }
    delivering_ = nullptr;
    auto& members = it->second;
    if (members.holes > 0) {
        std::erase(members.list, nullptr);
        members.holes = 0;
        if (members.list.empty()) groups_.erase(it);
    }
}

std::size_t HubShard::subscriber_count(const std::string& group) const {
    const auto it = groups_.find(group);
    return it == groups_.end() ? 0 : it->second.list.size() - it->second.holes;
}

}  // namespace muster::hub
