#pragma once
// A latency histogram with a fixed footprint: log-linear buckets (64 per power of two, so a
// value is kept within ~1.6 %), recorded with a few shifts and no allocation, because it is
// fed once per delivery on the hot path.

#include <array>
#include <cstdint>

namespace muster::loadgen {

class Histogram {
  public:
    void record(std::int64_t value);
    void merge(const Histogram& other);

    [[nodiscard]] std::uint64_t count() const { return count_; }
    [[nodiscard]] std::int64_t max() const { return max_; }
    [[nodiscard]] std::int64_t min() const { return count_ ? min_ : 0; }
    [[nodiscard]] double mean() const;
    // The smallest recorded bucket value at or above the `q` quantile (0 < q <= 1); the
    // bucket's upper bound, capped at max(), so a percentile never exceeds the true maximum.
    [[nodiscard]] std::int64_t quantile(double q) const;

  private:
    static constexpr int sub_bits = 6;
    static constexpr int sub_count = 1 << sub_bits;
    static constexpr int max_exponent = 46;  // ~19.5 hours in ns: beyond is clamped
    static constexpr int bucket_count = (max_exponent - sub_bits + 2) * sub_count;

    static int bucket_of(std::uint64_t value);
    static std::int64_t upper_bound(int bucket);

    std::array<std::uint64_t, bucket_count> buckets_{};
    std::uint64_t count_ = 0;
    double sum_ = 0;
    std::int64_t max_ = 0;
    std::int64_t min_ = 0;
};

}  // namespace muster::loadgen
