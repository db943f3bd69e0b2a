#pragma once
// Node-wide routing of group events to loops.
//
// The hub knows, per group, how many subscribers each loop has. It subscribes the bus to a
// group for the first subscriber on the node and unsubscribes after the last (centrifuge's
// hub), and turns each bus event into one PreparedEvent posted to the loops that want it:
// the event is framed at most once per encoding on this node, whatever the number of receivers.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "bus/bus.hpp"
#include "core/metrics.hpp"
#include "hub/hub_shard.hpp"
#include "net/loop.hpp"

namespace muster::hub {

class Hub {
  public:
    Hub(std::vector<net::Loop*> loops, bus::Bus& bus);
    ~Hub();
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    // From the subscriber's loop thread. `active` runs on that thread once the bus delivers the
    // group (immediately if it already does); every event appended after that reaches the
    // subscriber. With an error the subscription did not happen: unsubscribe is not needed.
    void subscribe(net::Loop& loop, const std::string& group, Subscriber* subscriber,
                   std::function<void(Status)> active);
    // From the subscriber's loop thread.
    void unsubscribe(net::Loop& loop, const std::string& group, Subscriber* subscriber);

    // From the bus thread: an event for the group's local subscribers.
    void dispatch(const std::string& group, std::uint64_t seq, const SharedBytes& event);

    // Groups with local subscribers (to resubscribe after the bus reconnects).
    [[nodiscard]] std::vector<std::string> groups() const;
    [[nodiscard]] std::size_t group_count() const;

  private:
    struct Interest {
        std::vector<std::uint32_t> per_loop;  // subscribers per loop
        std::uint32_t total = 0;
        bool active = false;       // the bus delivers the group
        bool subscribing = false;  // a bus subscription is under way
        // Waiting for the bus subscription: (loop, callback).
        std::vector<std::pair<net::Loop*, std::function<void(Status)>>> waiting;
    };
    void bus_subscribed(const std::string& group, const Status& status);

    std::vector<net::Loop*> loops_;
    std::vector<std::unique_ptr<HubShard>> shards_;
    bus::Bus& bus_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Interest> interest_;
    // Last: unregistered before what it reads goes.
    metrics::Registration groups_metric_;
};

}  // namespace muster::hub
