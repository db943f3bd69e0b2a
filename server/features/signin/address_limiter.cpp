#include "features/signin/address_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace muster::features::signin {

AddressLimiter::AddressLimiter(double per_minute, std::size_t max_addresses)
    : per_ms_(per_minute / 60000.0), burst_(per_minute), max_addresses_(max_addresses) {}

void AddressLimiter::refill(Bucket& bucket, std::int64_t now_ms) const {
    if (now_ms > bucket.at_ms) {
        bucket.tokens =
            std::min(burst_, bucket.tokens + static_cast<double>(now_ms - bucket.at_ms) * per_ms_);
        bucket.at_ms = now_ms;
    }
}

std::int64_t AddressLimiter::wait_for(const Bucket& bucket) const {
    if (bucket.tokens >= 1.0) return 0;
    const double ms = (1.0 - bucket.tokens) / per_ms_;
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(ms / 1000.0)));
}

AddressLimiter::Bucket& AddressLimiter::bucket_of(const std::string& address, std::int64_t now_ms) {
    auto found = buckets_.find(address);
    if (found != buckets_.end()) {
        refill(found->second, now_ms);
        return found->second;
    }
    if (buckets_.size() >= max_addresses_) {
        for (auto it = buckets_.begin(); it != buckets_.end();) {
            refill(it->second, now_ms);
            it = it->second.tokens >= burst_ ? buckets_.erase(it) : std::next(it);
        }
        if (buckets_.size() >= max_addresses_) buckets_.clear();
    }
    return buckets_.emplace(address, Bucket{burst_, now_ms}).first->second;
}

std::int64_t AddressLimiter::wait_s(const std::string& address, std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    return wait_for(bucket_of(address, now_ms));
}

std::int64_t AddressLimiter::take(const std::string& address, std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    Bucket& bucket = bucket_of(address, now_ms);
    const std::int64_t wait = wait_for(bucket);
    if (wait == 0) bucket.tokens -= 1.0;
    return wait;
}

}  // namespace muster::features::signin
