#include "loadgen/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace muster::loadgen {

int Histogram::bucket_of(std::uint64_t value) {
    if (value < static_cast<std::uint64_t>(sub_count)) return static_cast<int>(value);
    const int exponent = std::min(63 - std::countl_zero(value), max_exponent);
    const auto sub = static_cast<int>((value >> (exponent - sub_bits)) & (sub_count - 1));
    return (exponent - sub_bits + 1) * sub_count + sub;
}

std::int64_t Histogram::upper_bound(int bucket) {
    if (bucket < sub_count) return bucket;
    const int exponent = bucket / sub_count + sub_bits - 1;
    const int sub = bucket % sub_count;
    const std::int64_t base = std::int64_t{1} << exponent;
    const std::int64_t step = std::int64_t{1} << (exponent - sub_bits);
    return base + (sub + 1) * step - 1;
}

void Histogram::record(std::int64_t value) {
    if (value < 0) value = 0;
    ++buckets_[static_cast<std::size_t>(bucket_of(static_cast<std::uint64_t>(value)))];
    if (count_ == 0 || value < min_) min_ = value;
    ++count_;
    sum_ += static_cast<double>(value);
    max_ = std::max(max_, value);
}

void Histogram::merge(const Histogram& other) {
    if (other.count_ == 0) return;
    for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
    min_ = count_ ? std::min(min_, other.min_) : other.min_;
    count_ += other.count_;
    sum_ += other.sum_;
    max_ = std::max(max_, other.max_);
}

double Histogram::mean() const {
    return count_ ? sum_ / static_cast<double>(count_) : 0.0;
}

std::int64_t Histogram::quantile(double q) const {
    if (count_ == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
    const std::uint64_t target = std::clamp<std::uint64_t>(rank, 1, count_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
        seen += buckets_[i];
        if (seen >= target) return std::min(upper_bound(static_cast<int>(i)), max_);
    }
    return max_;
}

}  // namespace muster::loadgen
