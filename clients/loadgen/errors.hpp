#pragma once
// Everything that went wrong in a run, counted by reason, for the report. Errors are off the
// hot path: a map keyed by string is fine here.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace muster::loadgen {

class Errors {
  public:
    void add(std::string_view reason, std::uint64_t count = 1);
    [[nodiscard]] std::uint64_t total() const { return total_; }
    [[nodiscard]] const std::map<std::string, std::uint64_t, std::less<>>& by_reason() const {
        return by_reason_;
    }

  private:
    std::map<std::string, std::uint64_t, std::less<>> by_reason_;
    std::uint64_t total_ = 0;
};

}  // namespace muster::loadgen
