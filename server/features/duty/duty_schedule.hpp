#pragma once
// The timers of open duty calls on this node: the expiry at the deadline, and the next
// reminder round. Nothing here decides anything: a timer only asks the store (which checks
// state and round again, so that every node may hold the same timers and a call still
// expires once and reminds once per round).
//
// Built from the store at start (DutyCalls::start) and by a periodic sweep that arms what is
// missing here (calls created on other nodes, a timer whose store call failed), so expiry
// and reminders survive a restart and do not depend on the node that created the call.
//
// Thread-safe: calls come from client loops, timers fire on the Timers executor.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/config.hpp"
#include "core/timers.hpp"
#include "features/duty/records.hpp"

namespace muster::features {

class DutySchedule {
  public:
    using OnDeadline = std::function<void(const std::string& call_id)>;
    using OnReminder = std::function<void(const std::string& call_id, std::uint32_t round)>;

    DutySchedule(Timers& timers, DutyConfig config, OnDeadline on_deadline, OnReminder on_reminder);

    // Arms the call's expiry and next reminder, replacing timers it had.
    void track(const duty::DutyTimerState& state);
    // The same, unless the call is tracked already. True when it was armed now.
    bool track_if_missing(const duty::DutyTimerState& state);
    // A reminder attempt is over: arm round `next_round` one interval after `since_ms` (if
    // rounds remain and it comes before the deadline).
    void arm_reminder(const std::string& call_id, std::uint32_t next_round, std::int64_t since_ms);
    // The call needs no timer any more (closed, cancelled, expired, past its deadline).
    void forget(const std::string& call_id);
    void clear();

    [[nodiscard]] std::size_t size() const;
    [[nodiscard]] bool tracking(const std::string& call_id) const;

    // When round `round` is due after `since_ms`, or nullopt when it never is.
    [[nodiscard]] std::optional<std::int64_t> reminder_due(std::uint32_t round,
                                                           std::int64_t since_ms,
                                                           std::int64_t deadline_ms) const;

  private:
    struct Entry {
        std::int64_t deadline_ms = 0;
        Timers::Id expiry = 0;
        Timers::Id reminder = 0;  // 0: none armed
    };

    void arm_locked(const duty::DutyTimerState& state);
    void arm_reminder_locked(const std::string& call_id, Entry& entry, std::uint32_t round,
                             std::int64_t since_ms);

    Timers& timers_;
    const DutyConfig config_;
    OnDeadline on_deadline_;
    OnReminder on_reminder_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
};

}  // namespace muster::features
