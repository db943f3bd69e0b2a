#include "bus/redis_subscriptions.hpp"

#include <algorithm>

namespace muster::bus {

void SubscriptionTracker::add_permanent(const std::string& channel) {
    entries_[channel].permanent = true;
}

SubscriptionTracker::Outcome SubscriptionTracker::subscribe(const std::string& channel,
                                                            Waiter& done,
                                                            clock::time_point deadline) {
    auto [it, inserted] = entries_.try_emplace(channel);
    Entry& entry = it->second;
    if (!inserted && entry.active) return Outcome::active;
    entry.waiters.push_back(std::move(done));
    if (!inserted) return Outcome::pending;
    entry.deadline = deadline;
    entry.awaiting = true;
    ++unconfirmed_[channel];
    return Outcome::send;
}

bool SubscriptionTracker::unsubscribe(const std::string& channel, std::vector<Waiter>& failed) {
    const auto it = entries_.find(channel);
    if (it == entries_.end() || it->second.permanent) return false;
    for (auto& waiter : it->second.waiters) failed.push_back(std::move(waiter));
    entries_.erase(it);
    return true;
}

std::vector<SubscriptionTracker::Waiter> SubscriptionTracker::confirmed(
    const std::string& channel) {
    if (const auto count = unconfirmed_.find(channel); count != unconfirmed_.end()) {
        if (--count->second > 0) return {};  // an earlier SUBSCRIBE's reply: not live yet
        unconfirmed_.erase(count);
    }
    const auto it = entries_.find(channel);
    if (it == entries_.end()) return {};  // unsubscribed meanwhile
    it->second.active = true;
    it->second.ever_active = true;
    it->second.awaiting = false;
    return std::move(it->second.waiters);
}

std::vector<SubscriptionTracker::Waiter> SubscriptionTracker::connection_lost() {
    std::vector<Waiter> failed;
    unconfirmed_.clear();
    reset_pending_ = false;
    for (auto it = entries_.begin(); it != entries_.end();) {
        Entry& entry = it->second;
        entry.active = false;
        entry.awaiting = false;
        for (auto& waiter : entry.waiters) failed.push_back(std::move(waiter));
        entry.waiters.clear();
        if (!entry.permanent && !entry.ever_active) {
            it = entries_.erase(it);
        } else {
            ++it;
        }
    }
    return failed;
}

std::vector<std::string> SubscriptionTracker::connection_ready(clock::time_point deadline) {
    std::vector<std::string> channels;
    channels.reserve(entries_.size());
    unconfirmed_.clear();
    for (auto& [channel, entry] : entries_) {
        entry.active = false;
        entry.awaiting = true;
        entry.deadline = deadline;
        unconfirmed_[channel] = 1;
        channels.push_back(channel);
    }
    std::sort(channels.begin(), channels.end());  // deterministic (tests, logs)
    reset_pending_ = had_connection_;
    had_connection_ = true;
    return channels;
}

bool SubscriptionTracker::expire(clock::time_point now, std::vector<Waiter>& failed) {
    bool overdue = false;
    for (auto it = entries_.begin(); it != entries_.end();) {
        Entry& entry = it->second;
        if (!entry.awaiting || entry.deadline > now) {
            ++it;
            continue;
        }
        overdue = true;
        entry.awaiting = false;
        for (auto& waiter : entry.waiters) failed.push_back(std::move(waiter));
        entry.waiters.clear();
        if (!entry.permanent && !entry.ever_active) {
            unconfirmed_.erase(it->first);
            it = entries_.erase(it);
        } else {
            ++it;
        }
    }
    return overdue;
}

bool SubscriptionTracker::take_reset() {
    if (!reset_pending_) return false;
    for (const auto& [channel, entry] : entries_) {
        if (!entry.active) return false;
    }
    reset_pending_ = false;
    return true;
}

bool SubscriptionTracker::wanted(const std::string& channel) const {
    return entries_.contains(channel);
}

bool SubscriptionTracker::active(const std::string& channel) const {
    const auto it = entries_.find(channel);
    return it != entries_.end() && it->second.active;
}

std::size_t SubscriptionTracker::active_count() const {
    return static_cast<std::size_t>(
        std::count_if(entries_.begin(), entries_.end(),
                      [](const auto& e) { return e.second.active && !e.second.permanent; }));
}

}  // namespace muster::bus
