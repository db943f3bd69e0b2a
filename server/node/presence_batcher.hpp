#pragma once
// Presence notices, coalesced per group over a short window before they are published.
//
// Without it a reconnect storm costs O(N^2): each of N arriving members is announced to the N
// already there, one frame per arrival per subscriber. With it each group sends at most one
// notice per window, listing the changes (the latest state of each user). Costs one timer on
// the node's first loop and a delay of at most the window.

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/bytes.hpp"
#include "core/clock.hpp"

namespace muster::node {

class PresenceBatcher {
  public:
    using Publish = std::function<void(const std::string& group, SharedBytes event)>;

    PresenceBatcher(const boost::asio::any_io_executor& executor, std::chrono::milliseconds window,
                    const Clock& clock, Publish publish);

    // Thread-safe. With a zero window the notice is published at once.
    void add(const std::string& group, const std::string& user, const std::string& name,
             bool online);
    // Publishes what is pending and stops the timer (shutdown). Must run on the executor.
    void stop();

  private:
    struct Change {
        std::string user;
        std::string name;
        bool online = false;
    };
    struct Pending {
        std::vector<Change> changes;                         // in order of first change
        std::unordered_map<std::string, std::size_t> index;  // user -> place in changes
    };
    void flush();
    [[nodiscard]] SharedBytes encode(const std::string& group,
                                     const std::vector<Change>& changes) const;

    boost::asio::steady_timer timer_;
    std::chrono::milliseconds window_;
    const Clock& clock_;
    Publish publish_;
    std::mutex mutex_;
    std::unordered_map<std::string, Pending> pending_;  // group -> its changes in this window
    bool scheduled_ = false;
};

}  // namespace muster::node
