#pragma once
// Presence as this node's subscribers receive it: per-user notices while a group is small, a
// count once it is large.
//
// Why: every node publishes the presence changes of its own users (PresenceBatcher), and every
// node hands them to its local subscribers of the group. With N users online each change goes
// to N subscribers, so N arrivals cost O(N^2) bytes, and each batch lists thousands of users.
// Above `list_max_members` users online, this node stops forwarding the changes and instead
// sends its subscribers `PresenceCount { group, online }`, at most once per `window` (in windows
// where the group's presence changed): O(N) bytes per window for the whole group.
//
// How: every presence notice from the bus (any node's, this one's too) marks its group dirty.
// Once per window the node asks the presence store how many are online (O(1) amortised, on
// either backend), decides small or large from that, and sends the count when large (and one
// last count, `listed: true`, when a large group becomes small again). The decision is each
// node's own, from the shared count, so it needs no coordination: a group near the threshold
// may send per-user notices for one more window on one node than on another.
//
// Threads: on_notice() from any thread (the bus); the timer runs on `executor`; counts
// complete on the store's thread; `deliver` must be thread-safe (the hub is) and is called under
// this object's lock, so that what one node's subscribers get keeps one order (it must not call
// back into this object; the hub only queues). Create with
// make_shared (completions hold a weak reference); stop() on the executor before the store
// closes.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/async.hpp"
#include "core/bytes.hpp"
#include "core/clock.hpp"

namespace muster::node {

class PresenceFanout : public std::enable_shared_from_this<PresenceFanout> {
  public:
    // Hands a transient event (seq 0) to this node's subscribers of the group.
    using Deliver = std::function<void(const std::string& group, SharedBytes event)>;
    // How many users are online in the group, across nodes.
    using Count = std::function<void(const std::string& group, Done<std::uint64_t> done)>;

    PresenceFanout(const boost::asio::any_io_executor& executor, std::chrono::milliseconds window,
                   std::uint32_t list_max_members, const Clock& clock, Count count,
                   Deliver deliver);

    // A `presence` or `presence_batch` event of `group` listing `changes` users, from any node.
    // A batch of more than `list_max_members` changes is not forwarded even while the group is
    // not known to be large (a storm's first batch would cost its size times the subscribers);
    // when the count then shows a small group, its subscribers get a count with `listed: true`
    // so that they page the list again.
    void on_notice(const std::string& group, SharedBytes event, std::size_t changes);
    // No more counts (shutdown). Must run on the executor.
    void stop();

  private:
    void schedule();
    void check_dirty();
    void counted(const std::string& group, std::uint64_t online);
    [[nodiscard]] SharedBytes encode(const std::string& group, std::uint64_t online,
                                     bool listed) const;

    boost::asio::steady_timer timer_;
    const std::chrono::milliseconds window_;
    const std::uint32_t list_max_members_;
    const Clock& clock_;
    Count count_;
    Deliver deliver_;

    std::mutex mutex_;
    std::set<std::string> large_;     // groups known large here
    std::set<std::string> dirty_;     // changed since the last check
    std::set<std::string> withheld_;  // small groups with a notice not forwarded
    bool scheduled_ = false;
    bool stopped_ = false;
};

}  // namespace muster::node
