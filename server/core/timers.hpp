#pragma once
// Deadlines in Clock time (duty-call expiry and reminders, roll-call windows, attendance grace).
//
// One heap and one asio timer for all of them, on one executor: features schedule a handful of
// timers per call or meeting, so a heap is plenty. With a manual clock no asio timer is armed
// and timers fire when the clock is advanced (advanced()), which is what makes feature timing
// testable without sleeps.

#include <cstdint>
#include <functional>
#include <map>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/clock.hpp"

namespace muster {

class Timers {
  public:
    using Id = std::uint64_t;

    Timers(boost::asio::any_io_executor executor, const Clock& clock);

    // Runs fn on the executor once clock time reaches when_ms. Thread-safe.
    Id at(std::int64_t when_ms, std::function<void()> fn);
    // Cancels a timer that has not fired. Thread-safe; cancelling a fired timer does nothing.
    void cancel(Id id);
    // The manual clock moved: runs what is due. Thread-safe.
    void advanced();
    // Cancels everything (shutdown). Must run on the executor.
    void stop();

    [[nodiscard]] const Clock& clock() const { return clock_; }
    [[nodiscard]] const boost::asio::any_io_executor& executor() const { return executor_; }

  private:
    void run_due();
    void arm();

    boost::asio::any_io_executor executor_;
    const Clock& clock_;
    boost::asio::steady_timer timer_;
    std::atomic<Id> next_id_{1};
    // Ordered by (deadline, id): the first entry is the next to fire.
    std::map<std::pair<std::int64_t, Id>, std::function<void()>> due_;
    std::map<Id, std::int64_t> deadline_of_;
    bool stopped_ = false;
};

}  // namespace muster
