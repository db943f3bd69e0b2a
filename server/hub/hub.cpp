#include "hub/hub.hpp"

#include <boost/asio/post.hpp>

#include "core/metrics.hpp"

namespace muster::hub {

namespace asio = boost::asio;

Hub::Hub(std::vector<net::Loop*> loops, bus::Bus& bus) : loops_(std::move(loops)), bus_(bus) {
    for (std::size_t i = 0; i < loops_.size(); ++i) shards_.push_back(std::make_unique<HubShard>());
    groups_metric_ =
        metrics::registry().gauge_fn("muster_hub_groups", "Groups with subscribers on this node",
                                     [this] { return static_cast<double>(group_count()); });
}

Hub::~Hub() = default;

void Hub::subscribe(net::Loop& loop, const std::string& group, Subscriber* subscriber,
                    std::function<void(Status)> active) {
    shards_[loop.index()]->add(group, subscriber);
    std::function<void(Status)> live_now;  // set when the bus already delivers the group
    bool start_bus_subscription = false;
    {
        std::lock_guard lock(mutex_);
        auto& interest = interest_[group];
        if (interest.per_loop.empty()) interest.per_loop.resize(loops_.size());
        ++interest.per_loop[loop.index()];
        ++interest.total;
        if (interest.active) {
            live_now = std::move(active);
        } else {
            interest.waiting.emplace_back(&loop, std::move(active));
            start_bus_subscription = !interest.subscribing;
            interest.subscribing = true;
        }
    }
    if (live_now) {  // the subscriber is in the shard, so it is live now
        live_now(Status{});
        return;
    }
    if (start_bus_subscription) {
        bus_.subscribe(group,
                       [this, group](const Result<Unit>& r) { bus_subscribed(group, r.status()); });
    }
}

void Hub::bus_subscribed(const std::string& group, const Status& status) {
    std::vector<std::pair<net::Loop*, std::function<void(Status)>>> waiting;
    bool orphaned = false;
    {
        std::lock_guard lock(mutex_);
        const auto it = interest_.find(group);
        orphaned = it == interest_.end();  // everyone left meanwhile
        if (!orphaned) {
            waiting.swap(it->second.waiting);
            it->second.subscribing = false;
            // On failure the interest stays inactive: the waiters unsubscribe themselves, and a
            // later subscriber starts a new bus subscription.
            it->second.active = status.ok();
        }
    }
    if (orphaned) {
        if (status.ok()) bus_.unsubscribe(group);
        return;
    }
    for (auto& [loop, callback] : waiting) {
        asio::post(loop->io(), [callback = std::move(callback), status] { callback(status); });
    }
}

void Hub::unsubscribe(net::Loop& loop, const std::string& group, Subscriber* subscriber) {
    shards_[loop.index()]->remove(group, subscriber);
    bool last = false;
    {
        std::lock_guard lock(mutex_);
        const auto it = interest_.find(group);
        if (it == interest_.end()) return;
        auto& count = it->second.per_loop[loop.index()];
        if (count > 0) --count;
        if (it->second.total > 0) --it->second.total;
        if (it->second.total == 0) {
            last = it->second.active;
            interest_.erase(it);
        }
    }
    if (last) bus_.unsubscribe(group);
}

void Hub::dispatch(const std::string& group, std::uint64_t seq, const SharedBytes& event) {
    static auto& dispatched = metrics::registry().counter("muster_hub_events_total",
                                                          "Events routed to local subscribers");
    // Which loops, under the lock; the posting outside it.
    net::Loop* targets[64];
    std::size_t count = 0;
    {
        std::lock_guard lock(mutex_);
        const auto it = interest_.find(group);
        if (it == interest_.end()) return;
        for (std::size_t i = 0; i < loops_.size() && count < 64; ++i) {
            if (it->second.per_loop[i] > 0) targets[count++] = loops_[i];
        }
    }
    if (count == 0) return;
    dispatched.inc();
    // One PreparedEvent per loop: every receiver queues a reference to the frame, and a
    // reference count shared by two cores would bounce its cache line once per delivery. The
    // frame is built once per loop that delivers it (for binary frames, a copy behind a tag).
    for (std::size_t i = 0; i < count; ++i) {
        auto prepared = std::make_shared<const protocol::PreparedEvent>(group, seq, event);
        HubShard* shard = shards_[targets[i]->index()].get();
        asio::post(targets[i]->io(),
                   [shard, prepared = std::move(prepared)] { shard->deliver(prepared); });
    }
}

std::vector<std::string> Hub::groups() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    out.reserve(interest_.size());
    for (const auto& [group, interest] : interest_) out.push_back(group);
    return out;
}

std::size_t Hub::group_count() const {
    std::lock_guard lock(mutex_);
    return interest_.size();
}

}  // namespace muster::hub
