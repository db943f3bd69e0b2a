#pragma once
// A group event as the hub hands it to the sessions of one loop: serialised once, framed once
// per encoding, and shared (the same bytes queued to every receiver on the loop).

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/bytes.hpp"
#include "protocol/codec.hpp"

namespace muster::protocol {

class PreparedEvent {
  public:
    PreparedEvent(std::string group, std::uint64_t seq, SharedBytes event)
        : group_(std::move(group)), seq_(seq), event_(std::move(event)) {}

    [[nodiscard]] const std::string& group() const { return group_; }
    [[nodiscard]] std::uint64_t seq() const { return seq_; }  // 0 for transient events
    [[nodiscard]] const SharedBytes& event() const { return event_; }

    // The WebSocket frame in `encoding`, built by the first caller (any thread).
    const SharedBytes& frame(Encoding encoding) const;

  private:
    std::string group_;
    std::uint64_t seq_;
    SharedBytes event_;
    mutable std::once_flag binary_once_;
    mutable std::once_flag json_once_;
    mutable SharedBytes binary_;
    mutable SharedBytes json_;
};

using SharedEvent = std::shared_ptr<const PreparedEvent>;

}  // namespace muster::protocol
