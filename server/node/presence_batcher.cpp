#include "node/presence_batcher.hpp"

#include <boost/asio/post.hpp>

#include "muster/v1/event.pb.h"

namespace muster::node {

namespace asio = boost::asio;

PresenceBatcher::PresenceBatcher(const asio::any_io_executor& executor,
                                 std::chrono::milliseconds window, const Clock& clock,
                                 Publish publish)
    : timer_(executor), window_(window), clock_(clock), publish_(std::move(publish)) {}

void PresenceBatcher::add(const std::string& group, const std::string& user,
                          const std::string& name, bool online) {
    if (window_.count() == 0) {
        publish_(group, encode(group, {Change{user, name, online}}));
        return;
    }
    std::lock_guard lock(mutex_);
    auto& pending = pending_[group];
    // A user's latest state wins within the window; their place in the order is their first.
    // O(1) per change: a storm of thousands of arrivals in one window stays linear.
    const auto [it, first] = pending.index.try_emplace(user, pending.changes.size());
    if (first) {
        pending.changes.push_back({user, name, online});
    } else {
        auto& change = pending.changes[it->second];
        change.online = online;
        change.name = name;
    }
    if (!scheduled_) {
        scheduled_ = true;
        // From any thread: the timer belongs to its executor.
        asio::post(timer_.get_executor(), [this] {
            timer_.expires_after(window_);
            timer_.async_wait([this](const boost::system::error_code& ec) {
                if (!ec) flush();
            });
        });
    }
}

void PresenceBatcher::flush() {
    std::unordered_map<std::string, Pending> due;
    {
        std::lock_guard lock(mutex_);
        due.swap(pending_);
        scheduled_ = false;
    }
    for (const auto& [group, pending] : due) publish_(group, encode(group, pending.changes));
}

void PresenceBatcher::stop() {
    timer_.cancel();
    flush();
}

SharedBytes PresenceBatcher::encode(const std::string& group,
                                    const std::vector<Change>& changes) const {
    muster::v1::Event event;
    event.set_group(group);
    event.set_time_ms(clock_.now_ms());
    auto fill = [](muster::v1::PresenceChange& out, const Change& c) {
        out.set_user_id(c.user);
        out.set_name(c.name);
        out.set_online(c.online);
    };
    if (changes.size() == 1) {
        event.set_sender(changes.front().user);
        event.set_sender_name(changes.front().name);
        fill(*event.mutable_presence(), changes.front());
    } else {
        auto* batch = event.mutable_presence_batch();
        for (const auto& c : changes) fill(*batch->add_changes(), c);
    }
    return make_shared_bytes(event.SerializeAsString());
}

}  // namespace muster::node
