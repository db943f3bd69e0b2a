#pragma once
// The client's half of RFC 6455, just what a load generator needs: the HTTP upgrade request
// and response, masked client frames (a client MUST mask, §5.3), and server frames parsed in
// place from the read buffer.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "wsframe/frame_builder.hpp"

namespace muster::loadgen {

// The server's opcodes (RFC 6455 §5.2), one definition for both sides.
using Opcode = wsframe::Opcode;

// Appends one unfragmented frame carrying `payload`, masked with `mask`, to `out`. Appending
// into a buffer that keeps its capacity is what keeps the publish path free of allocation.
void append_client_frame(std::string& out, Opcode opcode, std::string_view payload,
                         std::uint32_t mask);

struct ServerFrame {
    Opcode opcode = Opcode::continuation;
    bool fin = false;
    std::string_view payload;  // in place, in the caller's buffer
};

enum class FrameStatus : std::uint8_t { frame, need_more, error };

// Parses the frame at the front of `data`; on `frame`, `consumed` is its whole length. Masked
// server frames, reserved bits and oversized control frames are errors.
FrameStatus parse_server_frame(std::string_view data, ServerFrame& frame, std::size_t& consumed);

// "GET <path> HTTP/1.1 ... Upgrade: websocket ..." with `subprotocol` offered when not empty.
// The key is fixed: the load generator checks the status, not the accept hash.
std::string upgrade_request(std::string_view host_port, std::string_view path,
                            std::string_view subprotocol);

enum class UpgradeStatus : std::uint8_t { switched, need_more, refused };

// Looks for the end of the response head in `data`; `consumed` = its length when switched.
// `refused` when the status is not 101 (the status line is left in `why`).
UpgradeStatus parse_upgrade_response(std::string_view data, std::size_t& consumed,
                                     std::string& why);

// The close code of a close frame's payload (1005 when it has none).
std::uint16_t close_code(std::string_view payload);

}  // namespace muster::loadgen
