#include "loadgen/errors.hpp"

namespace muster::loadgen {

void Errors::add(std::string_view reason, std::uint64_t count) {
    if (count == 0) return;
    const auto it = by_reason_.find(reason);
    if (it == by_reason_.end()) {
        by_reason_.emplace(std::string(reason), count);
    } else {
        it->second += count;
    }
    total_ += count;
}

}  // namespace muster::loadgen
