#pragma once
// The seq of a serialised muster.v1.Event, written and read without protobuf.
//
// The append script cannot parse protobuf, yet the stored and published Event must carry the
// seq it assigns. Protobuf accepts fields in any order, so the node serialises the Event
// without seq (field absent) and the script appends field 2 (wire type 0: tag byte 0x10, then
// the seq as a varint). The node appends the same bytes itself (append_seq) to get, without a
// round trip, exactly the bytes that Redis stored and published: an event is still encoded
// once per node.

#include <cstdint>
#include <string>
#include <string_view>

namespace muster::redis {

// Appends field 2 = seq to a serialised Event that has no seq.
void append_seq(std::string& event, std::uint64_t seq);

// Field 2 of a serialised Event wherever it is (the last occurrence wins, as in protobuf);
// 0 when absent (a transient event) or when the bytes are malformed.
std::uint64_t read_seq(std::string_view event);

}  // namespace muster::redis
