#pragma once
// RFC 6455 server frames as bytes: unfragmented and unmasked, header then payload.
//
// Its own module, below both of its users: protocol frames what it encodes (a broadcast is
// framed once per encoding and shared), net writes frames and parses the client's
// (net/ws_frame.hpp). Pure functions, any thread, no I/O.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace muster::wsframe {

enum class Opcode : std::uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xA,
};

inline constexpr std::size_t max_frame_header = 10;

// Writes the header of an unfragmented, unmasked frame with a payload of `size` bytes into
// `out` (at least max_frame_header bytes) and returns its length (2, 4 or 10).
std::size_t write_frame_header(Opcode opcode, std::size_t size, char* out);

// Header and payload in one string: what a session queues and a broadcast shares.
std::string make_frame(Opcode opcode, std::string_view payload);
// A close frame; the reason is cut to the 123 bytes a control frame has room for.
std::string make_close_frame(std::uint16_t code, std::string_view reason);

}  // namespace muster::wsframe
