#pragma once
// RFC 6455 framing, server side: close codes, and parsing the client's frames (the frames the
// server sends are built by wsframe/frame_builder.hpp).
//
// Why not Beast's websocket::stream: it frames each message as it writes it, one write per
// message, so a broadcast cannot be framed once and shared, and frames queued for one socket
// cannot leave in one writev. Both are where the per-delivery cost is (bench/README.md). Beast
// still parses the HTTP upgrade; this file is the small rest: server frames are unmasked and
// never fragmented, client frames are masked and may be.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "wsframe/frame_builder.hpp"

namespace muster::net {

// The builder is shared with protocol (wsframe/frame_builder.hpp); net names it as its own.
using wsframe::make_close_frame;
using wsframe::make_frame;
using wsframe::max_frame_header;
using wsframe::Opcode;
using wsframe::write_frame_header;

// Close codes (RFC 6455 §7.4 and the protocol's own, docs/PROTOCOL.md).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;  // node shutting down
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t invalid_payload = 1007;  // text that is not UTF-8
inline constexpr std::uint16_t policy = 1008;           // no connect in time, repeated violations
inline constexpr std::uint16_t too_big = 1009;          // frame over the configured maximum
inline constexpr std::uint16_t internal_error = 1011;
inline constexpr std::uint16_t slow_consumer = 4000;  // outbound queue over its bound
inline constexpr std::uint16_t token_expired = 4001;  // token expired or revoked
inline constexpr std::uint16_t rate_limited = 4029;   // rate limit exceeded repeatedly
}  // namespace close_code

struct ClientFrame {
    Opcode opcode = Opcode::continuation;
    bool fin = false;
    std::string_view payload;  // unmasked, in place
};

enum class ParseStatus : std::uint8_t { frame, need_more, error };

struct ParseResult {
    ParseStatus status = ParseStatus::need_more;
    ClientFrame frame;
    std::size_t consumed = 0;      // bytes of `data` the frame took (status frame)
    std::uint16_t close_code = 0;  // status error: the code to close with
    const char* reason = "";       // status error: why
};

// Parses the client frame at the start of data[0, size). The payload is unmasked in place,
// which is why data is mutable. A frame whose payload would pass max_payload is an error
// (1009) as soon as its header is read, before any of it is buffered.
ParseResult parse_client_frame(char* data, std::size_t size, std::size_t max_payload);

// Whether a peer may send this close code (RFC 6455 §7.4.1, IANA registry): 1000-1003,
// 1007-1014 and the application range 3000-4999. 0-999, 1004-1006, 1015 and the rest of
// 1016-2999 are refused with 1002.
bool valid_received_close_code(std::uint16_t code);

// RFC 3629 UTF-8, as RFC 6455 requires of text messages (and of close reasons).
bool valid_utf8(std::string_view text);

}  // namespace muster::net
