#include "net/ws_frame.hpp"

#include <cstring>

namespace muster::net {

ParseResult parse_client_frame(char* data, std::size_t size, std::size_t max_payload) {
    ParseResult result;
    if (size < 2) return result;
    const auto* p = reinterpret_cast<const unsigned char*>(data);
    auto fail = [&result](std::uint16_t code, const char* reason) {
        result.status = ParseStatus::error;
        result.close_code = code;
        result.reason = reason;
        return result;
    };

    const bool fin = (p[0] & 0x80U) != 0;
    if ((p[0] & 0x70U) != 0) return fail(close_code::protocol_error, "reserved bits set");
    const auto opcode = static_cast<Opcode>(p[0] & 0x0FU);
    const bool control = (p[0] & 0x08U) != 0;
    switch (opcode) {
        case Opcode::continuation:
        case Opcode::text:
        case Opcode::binary:
        case Opcode::close:
        case Opcode::ping:
        case Opcode::pong:
            break;
        default:
            return fail(close_code::protocol_error, "unknown opcode");
    }
    if ((p[1] & 0x80U) == 0) return fail(close_code::protocol_error, "client frame not masked");

    std::uint64_t length = p[1] & 0x7FU;
    std::size_t header = 2;
    if (length == 126) {
        if (size < 4) return result;
        length = (std::uint64_t{p[2]} << 8) | p[3];
        header = 4;
        if (length < 126) return fail(close_code::protocol_error, "length not minimally encoded");
    } else if (length == 127) {
        if (size < 10) return result;
        length = 0;
        for (int i = 0; i < 8; ++i) length = (length << 8) | p[2 + i];
        header = 10;
        if ((length >> 63) != 0)
            return fail(close_code::protocol_error, "length has the top bit set");
        if (length <= 0xFFFF)
            return fail(close_code::protocol_error, "length not minimally encoded");
    }
    if (control && (!fin || length > 125)) {
        return fail(close_code::protocol_error, "control frame fragmented or over 125 bytes");
    }
    if (length > max_payload) return fail(close_code::too_big, "frame too large");

    if (size < header + 4 + length) return result;  // need the whole frame
    unsigned char mask[4];
    std::memcpy(mask, p + header, 4);
    char* payload = data + header + 4;
    for (std::uint64_t i = 0; i < length; ++i)
        payload[i] = static_cast<char>(payload[i] ^ mask[i & 3U]);

    result.status = ParseStatus::frame;
    result.frame = {opcode, fin, std::string_view(payload, static_cast<std::size_t>(length))};
    result.consumed = header + 4 + static_cast<std::size_t>(length);
    return result;
}

bool valid_received_close_code(std::uint16_t code) {
    if (code >= 3000 && code <= 4999) return true;
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

bool valid_utf8(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        // ASCII fast path, eight bytes at a time.
        if (i + 8 <= n) {
            std::uint64_t chunk;
            std::memcpy(&chunk, s + i, 8);
            if ((chunk & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        const unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t extra = 0;
        std::uint32_t min = 0;
        std::uint32_t cp = 0;
        if ((c & 0xE0U) == 0xC0U) {
            extra = 1, min = 0x80, cp = c & 0x1FU;
        } else if ((c & 0xF0U) == 0xE0U) {
            extra = 2, min = 0x800, cp = c & 0x0FU;
        } else if ((c & 0xF8U) == 0xF0U) {
            extra = 3, min = 0x10000, cp = c & 0x07U;
        } else {
            return false;
        }
        if (i + extra >= n) return false;  // truncated sequence
        for (std::size_t k = 1; k <= extra; ++k) {
            const unsigned char cc = s[i + k];
            if ((cc & 0xC0U) != 0x80U) return false;
            cp = (cp << 6) | (cc & 0x3FU);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += extra + 1;
    }
    return true;
}

}  // namespace muster::net
