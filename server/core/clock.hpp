#pragma once
// Wall-clock time for event stamps, deadlines and attendance. Injectable so that tests can
// script a timeline (docs: `debug.manual_clock`) instead of sleeping.

#include <atomic>
#include <cstdint>

namespace muster {

class Clock {
  public:
    virtual ~Clock() = default;
    // Unix time in milliseconds.
    [[nodiscard]] virtual std::int64_t now_ms() const = 0;
    // True when time moves only by advance() (tests); timers then fire only on advance.
    [[nodiscard]] virtual bool manual() const { return false; }
};

class SystemClock final : public Clock {
  public:
    [[nodiscard]] std::int64_t now_ms() const override;
};

// Starts at a given time and moves only when told to.
class ManualClock final : public Clock {
  public:
    explicit ManualClock(std::int64_t start_ms) : now_(start_ms) {}
    [[nodiscard]] std::int64_t now_ms() const override { return now_.load(); }
    [[nodiscard]] bool manual() const override { return true; }
    // Moves time forward by delta_ms (never backwards) and returns the new time.
    std::int64_t advance(std::int64_t delta_ms);

  private:
    std::atomic<std::int64_t> now_;
};

}  // namespace muster
