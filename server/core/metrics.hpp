#pragma once
// Process-wide metrics in the Prometheus text format (GET /metrics).
//
// A metric is created once (usually a function-local static in the module that updates it) and
// updated with relaxed atomics: on the hot path an update costs one uncontended atomic add.
// Counters, gauges and histograms live as long as the process. A metric read at scrape time
// from an object (gauge_fn, counter_fn) is registered through a Registration the object owns.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace muster::metrics {

class Counter {
  public:
    void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::uint64_t> value_{0};
};

class Gauge {
  public:
    void set(std::int64_t v) { value_.store(v, std::memory_order_relaxed); }
    void add(std::int64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    void sub(std::int64_t n = 1) { value_.fetch_sub(n, std::memory_order_relaxed); }
    [[nodiscard]] std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::int64_t> value_{0};
};

// Cumulative buckets over fixed upper bounds; the sum is kept in micro-units to stay atomic.
class Histogram {
  public:
    explicit Histogram(std::vector<double> bounds);
    void observe(double value);
    [[nodiscard]] const std::vector<double>& bounds() const { return bounds_; }
    [[nodiscard]] std::uint64_t bucket(std::size_t i) const {
        return counts_[i].load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
    [[nodiscard]] double sum() const;

  private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // one per bound, then +Inf
    std::atomic<std::uint64_t> count_{0};
    std::atomic<std::int64_t> sum_micro_{0};
};

class Registry;

// The registration of a metric read at scrape time, owned by what the read function reads: its
// destructor removes the series, and once it has returned no read is running or will run (the
// registry reads under the lock the destructor takes). So a callback capturing `this` never
// outlives its object. Move-only. A later registration of the same name replaces the read
// function (the newest owner is reported); an older handle's destruction leaves it alone.
class [[nodiscard]] Registration {
  public:
    Registration() = default;
    ~Registration();
    Registration(Registration&& other) noexcept;
    Registration& operator=(Registration&& other) noexcept;
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;

    // Removes the series now (the destructor's work); a no-op when empty.
    void reset();

  private:
    friend class Registry;
    Registration(Registry* registry, std::string name, std::uint64_t id)
        : registry_(registry), name_(std::move(name)), id_(id) {}

    Registry* registry_ = nullptr;
    std::string name_;
    std::uint64_t id_ = 0;
};

class Registry {
  public:
    // `labels` is the inside of the braces, e.g. `code="FORBIDDEN"`; empty for none.
    Counter& counter(std::string_view name, std::string_view help, std::string_view labels = {});
    Gauge& gauge(std::string_view name, std::string_view help, std::string_view labels = {});
    Histogram& histogram(std::string_view name, std::string_view help, std::vector<double> bounds,
                         std::string_view labels = {});
    // A gauge read at scrape time (queue depths, cache sizes), listed while the handle lives.
    Registration gauge_fn(std::string_view name, std::string_view help,
                          std::function<double()> read);
    // A counter read at scrape time (kept per thread elsewhere, summed here), likewise.
    Registration counter_fn(std::string_view name, std::string_view help,
                            std::function<double()> read);
    // Whether a series of that name is listed (tests).
    [[nodiscard]] bool has(std::string_view name) const;

    [[nodiscard]] std::string render() const;

  private:
    enum class Kind : std::uint8_t { counter, gauge, histogram, gauge_fn, counter_fn };
    struct Series {
        std::string labels;
        std::unique_ptr<Counter> counter;
        std::unique_ptr<Gauge> gauge;
        std::unique_ptr<Histogram> histogram;
        std::function<double()> read;
        std::uint64_t owner = 0;  // the Registration that set `read`
    };
    struct Family {
        Kind kind;
        std::string help;
        std::vector<std::unique_ptr<Series>> series;
    };
    Series& series(std::string_view name, std::string_view help, Kind kind,
                   std::string_view labels);
    Registration read_at_scrape(std::string_view name, std::string_view help, Kind kind,
                                std::function<double()> read);
    void unregister(const std::string& name, std::uint64_t id);
    friend class Registration;

    mutable std::mutex mutex_;
    std::map<std::string, Family, std::less<>> families_;
    std::uint64_t next_registration_ = 1;
};

Registry& registry();

// Buckets for latencies in seconds, 50 µs to 5 s.
std::vector<double> latency_buckets();

}  // namespace muster::metrics
