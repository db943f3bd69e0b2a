#include "features/duty/duty_schedule.hpp"

namespace muster::features {

DutySchedule::DutySchedule(Timers& timers, DutyConfig config, OnDeadline on_deadline,
                           OnReminder on_reminder)
    : timers_(timers)
    , config_(config)
    , on_deadline_(std::move(on_deadline))
    , on_reminder_(std::move(on_reminder)) {}

std::optional<std::int64_t> DutySchedule::reminder_due(std::uint32_t round, std::int64_t since_ms,
                                                       std::int64_t deadline_ms) const {
    if (config_.remind_interval_s == 0 || round == 0 || round > config_.max_reminders)
        return std::nullopt;
    const std::int64_t due = since_ms + static_cast<std::int64_t>(config_.remind_interval_s) * 1000;
    if (due >= deadline_ms) return std::nullopt;  // the deadline comes first: nothing to remind
    return due;
}

void DutySchedule::track(const duty::DutyTimerState& state) {
    std::lock_guard lock(mutex_);
    arm_locked(state);
}

bool DutySchedule::track_if_missing(const duty::DutyTimerState& state) {
    std::lock_guard lock(mutex_);
    if (entries_.count(state.call_id) != 0) return false;
    arm_locked(state);
    return true;
}

void DutySchedule::arm_locked(const duty::DutyTimerState& state) {
    auto& entry = entries_[state.call_id];
    if (entry.expiry != 0) timers_.cancel(entry.expiry);
    if (entry.reminder != 0) timers_.cancel(entry.reminder);
    entry = Entry{};
    entry.deadline_ms = state.deadline_ms;
    entry.expiry = timers_.at(state.deadline_ms, [this, id = state.call_id] { on_deadline_(id); });
    const std::int64_t since = state.reminders_sent > 0 && state.last_reminder_ms > 0
                                   ? state.last_reminder_ms
                                   : state.created_at_ms;
    arm_reminder_locked(state.call_id, entry, state.reminders_sent + 1, since);
}

void DutySchedule::arm_reminder(const std::string& call_id, std::uint32_t next_round,
                                std::int64_t since_ms) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(call_id);
    if (it == entries_.end()) return;  // forgotten meanwhile
    arm_reminder_locked(call_id, it->second, next_round, since_ms);
}

void DutySchedule::arm_reminder_locked(const std::string& call_id, Entry& entry,
                                       std::uint32_t round, std::int64_t since_ms) {
    if (entry.reminder != 0) timers_.cancel(entry.reminder);
    entry.reminder = 0;
    const auto due = reminder_due(round, since_ms, entry.deadline_ms);
    if (!due) return;
    entry.reminder = timers_.at(*due, [this, call_id, round] { on_reminder_(call_id, round); });
}

void DutySchedule::forget(const std::string& call_id) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(call_id);
    if (it == entries_.end()) return;
    if (it->second.expiry != 0) timers_.cancel(it->second.expiry);
    if (it->second.reminder != 0) timers_.cancel(it->second.reminder);
    entries_.erase(it);
}

void DutySchedule::clear() {
    std::lock_guard lock(mutex_);
    for (const auto& [id, entry] : entries_) {
        if (entry.expiry != 0) timers_.cancel(entry.expiry);
        if (entry.reminder != 0) timers_.cancel(entry.reminder);
    }
    entries_.clear();
}

std::size_t DutySchedule::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

bool DutySchedule::tracking(const std::string& call_id) const {
    std::lock_guard lock(mutex_);
    return entries_.count(call_id) != 0;
}

}  // namespace muster::features
