#pragma once
// Process-wide metrics in the Prometheus text format (GET /metrics).
//
// A metric is created once (usually a function-local static in the module that updates it) and
// updated with relaxed atomics: on the hot path an update costs one uncontended atomic add.

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

class Registry {
  public:
    // `labels` is the inside of the braces, e.g. `code="FORBIDDEN"`; empty for none.
    Counter& counter(std::string_view name, std::string_view help, std::string_view labels = {});
    Gauge& gauge(std::string_view name, std::string_view help, std::string_view labels = {});
    Histogram& histogram(std::string_view name, std::string_view help, std::vector<double> bounds,
                         std::string_view labels = {});
    // A gauge read at scrape time (queue depths, cache sizes).
    void gauge_fn(std::string_view name, std::string_view help, std::function<double()> read);
    // A counter read at scrape time (kept per thread elsewhere, summed here).
    void counter_fn(std::string_view name, std::string_view help, std::function<double()> read);

    [[nodiscard]] std::string render() const;

  private:
    enum class Kind : std::uint8_t { counter, gauge, histogram, gauge_fn, counter_fn };
    struct Series {
        std::string labels;
        std::unique_ptr<Counter> counter;
        std::unique_ptr<Gauge> gauge;
        std::unique_ptr<Histogram> histogram;
        std::function<double()> read;
    };
    struct Family {
        Kind kind;
        std::string help;
        std::vector<std::unique_ptr<Series>> series;
    };
    Series& series(std::string_view name, std::string_view help, Kind kind,
                   std::string_view labels);

    mutable std::mutex mutex_;
    std::map<std::string, Family, std::less<>> families_;
};

Registry& registry();

// Buckets for latencies in seconds, 50 µs to 5 s.
std::vector<double> latency_buckets();

}  // namespace muster::metrics
