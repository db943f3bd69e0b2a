#pragma once
// Reading a serialised Event without parsing all of it.

#include <cstdint>
#include <string_view>

namespace muster::protocol {

// The `seq` field (2) of a serialised muster.v1.Event; 0 when absent or malformed. Walks the
// fields before it (only `group` in practice: protobuf writes fields in number order).
std::uint64_t peek_event_seq(std::string_view event);

}  // namespace muster::protocol
