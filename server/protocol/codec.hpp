#pragma once
// The two encodings of the wire contract (docs/PROTOCOL.md "Transport"):
// `muster.v1.proto` (binary frames, protobuf) and `muster.v1.json` (text frames, protobuf's
// canonical JSON mapping). Frames leave here already framed for WebSocket.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/status.hpp"
#include "muster/v1/frame.pb.h"

namespace muster::protocol {

enum class Encoding : std::uint8_t { binary, json };

// "muster.v1.proto" -> binary; "muster.v1.json" and "" (no subprotocol) -> JSON.
Encoding encoding_for_subprotocol(std::string_view protocol);

// BAD_FRAME with a reason when the message is not a ClientFrame in the encoding (wrong frame
// type, malformed bytes or JSON, wrong field types).
Status decode_client_frame(std::string_view payload, bool text, Encoding encoding,
                           muster::v1::ClientFrame& out);

// A ServerFrame as one WebSocket frame (binary or text by encoding).
SharedBytes encode_server_frame(const muster::v1::ServerFrame& frame, Encoding encoding);

// ServerFrame{id: 0, event} around an already serialised Event, without parsing it for the
// binary encoding (the frame is the event's bytes behind a field tag).
SharedBytes encode_event_frame(const std::string& event_bytes, Encoding encoding);

// An error reply (id != 0) or notice (id 0).
SharedBytes encode_error(std::uint32_t id, errc code, std::string_view message, Encoding encoding);

// Canonical JSON of any message (HTTP API bodies).
std::string to_json(const google::protobuf::Message& message);
// INVALID_ARGUMENT with the parser's reason; unknown fields are ignored.
Status from_json(std::string_view json, google::protobuf::Message& out);

}  // namespace muster::protocol
