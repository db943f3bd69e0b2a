#include "node/presence_fanout.hpp"

#include <vector>

#include <boost/asio/post.hpp>

#include "muster/v1/event.pb.h"

namespace muster::node {

namespace asio = boost::asio;

PresenceFanout::PresenceFanout(const asio::any_io_executor& executor,
                               std::chrono::milliseconds window, std::uint32_t list_max_members,
                               const Clock& clock, Count count, Deliver deliver)
    : timer_(executor)
    , window_(window)
    , list_max_members_(list_max_members)
    , clock_(clock)
    , count_(std::move(count))
    , deliver_(std::move(deliver)) {}

void PresenceFanout::on_notice(const std::string& group, SharedBytes event, std::size_t changes) {
    bool start_timer = false;
    {
        // Delivered under the lock, as counts are: a notice forwarded before the group turned
        // large reaches the subscribers before the first count, never after it.
        std::lock_guard lock(mutex_);
        const bool large = large_.contains(group);
        if (!large && changes <= list_max_members_) {
            deliver_(group, std::move(event));
        } else if (!large) {
            withheld_.insert(group);
        }
        dirty_.insert(group);
        if (!scheduled_ && !stopped_) start_timer = scheduled_ = true;
    }
    if (start_timer) {
        // From any thread: the timer belongs to its executor.
        asio::post(timer_.get_executor(), [weak = weak_from_this()] {
            if (auto self = weak.lock()) self->schedule();
        });
    }
}

void PresenceFanout::schedule() {
    timer_.expires_after(window_);
    timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
        if (auto self = weak.lock(); self && !ec) self->check_dirty();
    });
}

void PresenceFanout::check_dirty() {
    std::set<std::string> due;
    {
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        due.swap(dirty_);
        // A notice from now on starts the next window: checks are at least a window apart.
        scheduled_ = false;
    }
    for (const auto& group : due) {
        count_(group, [weak = weak_from_this(), group](Result<std::uint64_t> online) {
            // A failed count (Redis away) sends nothing; the next change checks again.
            if (auto self = weak.lock(); self && online) self->counted(group, *online);
        });
    }
}

void PresenceFanout::counted(const std::string& group, std::uint64_t online) {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    const bool withheld = withheld_.erase(group) > 0;
    if (online > list_max_members_) {
        // Also when the number is the one sent last: whoever arrived in this window (their own
        // arrival marked the group) gets the count, and a window costs one count either way.
        large_.insert(group);
        deliver_(group, encode(group, online, false));
    } else if (large_.erase(group) > 0 || withheld) {
        // Small (again): one count that says so, then per-user notices as for any small group;
        // the subscribers page the list to know who is there.
        deliver_(group, encode(group, online, true));
    }
}

void PresenceFanout::stop() {
    {
        std::lock_guard lock(mutex_);
        stopped_ = true;
    }
    timer_.cancel();
}

SharedBytes PresenceFanout::encode(const std::string& group, std::uint64_t online,
                                   bool listed) const {
    muster::v1::Event event;
    event.set_group(group);
    event.set_time_ms(clock_.now_ms());
    auto* count = event.mutable_presence_count();
    count->set_group(group);
    count->set_online(online);
    count->set_listed(listed);
    return make_shared_bytes(event.SerializeAsString());
}

}  // namespace muster::node
