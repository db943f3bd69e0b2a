#include "loadgen/ws_codec.hpp"

#include <cstring>

namespace muster::loadgen {

void append_client_frame(std::string& out, Opcode opcode, std::string_view payload,
                         std::uint32_t mask) {
    const std::size_t size = payload.size();
    const std::size_t header = size < 126 ? 2 : size <= 0xFFFF ? 4 : 10;
    const std::size_t start = out.size();
    out.resize(start + header + 4 + size);
    auto* p = reinterpret_cast<unsigned char*>(out.data() + start);
    p[0] = static_cast<unsigned char>(0x80 | static_cast<unsigned>(opcode));
    if (header == 2) {
        p[1] = static_cast<unsigned char>(0x80 | size);
    } else if (header == 4) {
        p[1] = 0x80 | 126;
        p[2] = static_cast<unsigned char>(size >> 8);
        p[3] = static_cast<unsigned char>(size);
    } else {
        p[1] = 0x80 | 127;
        for (int i = 0; i < 8; ++i) p[2 + i] = static_cast<unsigned char>(size >> (56 - 8 * i));
    }
    unsigned char key[4];
    std::memcpy(key, &mask, 4);
    std::memcpy(p + header, key, 4);
    unsigned char* body = p + header + 4;
    const auto* in = reinterpret_cast<const unsigned char*>(payload.data());
    for (std::size_t i = 0; i < size; ++i) body[i] = in[i] ^ key[i & 3];
}

FrameStatus parse_server_frame(std::string_view data, ServerFrame& frame, std::size_t& consumed) {
    if (data.size() < 2) return FrameStatus::need_more;
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    if ((p[0] & 0x70) != 0 || (p[1] & 0x80) != 0) return FrameStatus::error;  // RSV, mask
    std::uint64_t size = p[1] & 0x7F;
    std::size_t header = 2;
    if (size == 126) {
        if (data.size() < 4) return FrameStatus::need_more;
        size = (std::uint64_t{p[2]} << 8) | p[3];
        header = 4;
    } else if (size == 127) {
        if (data.size() < 10) return FrameStatus::need_more;
        size = 0;
        for (int i = 0; i < 8; ++i) size = (size << 8) | p[2 + i];
        header = 10;
    }
    frame.opcode = static_cast<Opcode>(p[0] & 0x0F);
    frame.fin = (p[0] & 0x80) != 0;
    if ((p[0] & 0x08) != 0 && (size > 125 || !frame.fin)) return FrameStatus::error;
    if (size > data.size() - header) return FrameStatus::need_more;
    frame.payload = data.substr(header, static_cast<std::size_t>(size));
    consumed = header + static_cast<std::size_t>(size);
    return FrameStatus::frame;
}

std::string upgrade_request(std::string_view host_port, std::string_view path,
                            std::string_view subprotocol) {
    std::string request;
    request.reserve(256);
    request.append("GET ").append(path).append(" HTTP/1.1\r\nHost: ").append(host_port);
    request.append(
        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: bXVzdGVyLWxvYWRnZW4tMQ==\r\nSec-WebSocket-Version: 13\r\n");
    if (!subprotocol.empty()) {
        request.append("Sec-WebSocket-Protocol: ").append(subprotocol).append("\r\n");
    }
    request.append("\r\n");
    return request;
}

UpgradeStatus parse_upgrade_response(std::string_view data, std::size_t& consumed,
                                     std::string& why) {
    const std::size_t end = data.find("\r\n\r\n");
    if (end == std::string_view::npos) return UpgradeStatus::need_more;
    const std::string_view status_line = data.substr(0, data.find("\r\n"));
    if (status_line.size() < 12 || status_line.substr(9, 3) != "101") {
        why.assign(status_line);
        return UpgradeStatus::refused;
    }
    consumed = end + 4;
    return UpgradeStatus::switched;
}

std::uint16_t close_code(std::string_view payload) {
    if (payload.size() < 2) return 1005;
    const auto* p = reinterpret_cast<const unsigned char*>(payload.data());
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

}  // namespace muster::loadgen
