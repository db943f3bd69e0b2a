#pragma once
// The seq of a serialised Event, read and written without protobuf.
//
// Reading: a catch-up sends stored bytes as they are and needs only their seq. Writing: the
// Redis append script cannot run protobuf, yet the stored and published Event must carry the
// seq it assigns; protobuf accepts fields in any order, so the node serialises the Event
// without seq and the script appends field 2 (wire type 0: tag byte 0x10, then the seq as a
// varint). The node appends the same bytes to its own copy (append_event_seq) and holds,
// without a round trip, exactly what Redis stored and published.

#include <cstdint>
#include <string>
#include <string_view>

namespace muster::protocol {

// Field 2 (`seq`) of a serialised muster.v1.Event wherever it is (the last occurrence wins, as
// in protobuf); 0 when absent (a transient event) or when the bytes are malformed.
std::uint64_t peek_event_seq(std::string_view event);

// Appends field 2 = seq to a serialised Event that has no seq.
void append_event_seq(std::string& event, std::uint64_t seq);

}  // namespace muster::protocol
