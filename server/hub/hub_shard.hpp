#pragma once
// The subscribers of one loop, by group. Used only on that loop's thread: no locks.

#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/prepared_event.hpp"

namespace muster::hub {

// A local receiver of group events (node::Client).
class Subscriber {
  public:
    virtual ~Subscriber() = default;
    // On the subscriber's loop thread. The event's frames are shared; queue them, don't copy.
    virtual void on_group_event(const protocol::SharedEvent& event) = 0;
};

class HubShard {
  public:
    // True when `subscriber` is the shard's first for the group.
    bool add(const std::string& group, Subscriber* subscriber);
    // True when the group has no subscriber left in the shard.
    bool remove(const std::string& group, Subscriber* subscriber);
    // Hands the event to every subscriber of its group. Subscribers may add or remove
    // themselves (or others) meanwhile: removal during delivery leaves a hole that is
    // compacted afterwards, and iteration is by index so additions are safe.
    void deliver(const protocol::SharedEvent& event);

    [[nodiscard]] std::size_t subscriber_count(const std::string& group) const;

  private:
    struct Members {
        std::vector<Subscriber*> list;
        std::size_t holes = 0;
    };
    std::unordered_map<std::string, Members> groups_;
    const std::string* delivering_ = nullptr;  // group whose list is being walked
};

}  // namespace muster::hub
