#pragma once
// Frames on the wire: `muster.v1.proto` sends binary protobuf, `muster.v1.json` (and a handshake
// without subprotocol) sends text frames in protobuf's canonical JSON mapping.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>

#include "muster/outcome.hpp"
#include "muster/v1/frame.pb.h"

namespace muster::client {

enum class Encoding : std::uint8_t {
    proto,                // subprotocol muster.v1.proto: binary frames
    json,                 // subprotocol muster.v1.json: text frames
    json_no_subprotocol,  // no subprotocol offered: the server's default, JSON text frames
};

// "muster.v1.proto", "muster.v1.json", or "" for json_no_subprotocol.
std::string_view subprotocol(Encoding encoding);
// "proto", "json", "none" (json_no_subprotocol); nullopt for anything else.
std::optional<Encoding> parse_encoding(std::string_view name);

enum class FrameType : std::uint8_t { binary, text };

// One WebSocket message as it travels.
struct Message {
    std::string data;
    FrameType type = FrameType::binary;
};

Message encode(const v1::ClientFrame& frame, Encoding encoding);

// Text frames are read as JSON and binary ones as protobuf, whatever was negotiated: a server
// that answers in the wrong framing is then caught by the test that looks, not by the codec.
Outcome<v1::ServerFrame> decode_server_frame(const Message& message);

// Canonical JSON on one line (lowerCamelCase names, 64-bit integers as strings).
std::string to_json(const google::protobuf::Message& message);
// Unknown fields are ignored, as the contract asks of clients.
Outcome<void> from_json(std::string_view json, google::protobuf::Message& message);

}  // namespace muster::client
