#pragma once
// The chat text every publish carries: "<send time, 16 hex digits> <message number, 8 hex
// digits> xxxx..." padded to the configured size. The send time (CLOCK_MONOTONIC ns) gives
// end-to-end latency at the receiver; the message number finds the message's in-flight slot
// (the flood window) without a lookup.

#include <cstdint>
#include <string>
#include <string_view>

namespace muster::loadgen {

inline constexpr std::size_t message_header_bytes = 26;

// Overwrites the first message_header_bytes of `text` (already sized and padded).
void stamp_text(std::string& text, std::int64_t sent_ns, std::uint32_t message);

// False when `text` is not one of ours.
bool read_text(std::string_view text, std::int64_t& sent_ns, std::uint32_t& message);

// `size` bytes of padding for stamp_text().
std::string blank_text(std::size_t size);

}  // namespace muster::loadgen
