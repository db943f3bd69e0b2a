#include "wsframe/frame_builder.hpp"

namespace muster::wsframe {

std::size_t write_frame_header(Opcode opcode, std::size_t size, char* out) {
    auto* p = reinterpret_cast<unsigned char*>(out);
    p[0] = static_cast<unsigned char>(0x80U | static_cast<unsigned>(opcode));  // FIN
    if (size < 126) {
        p[1] = static_cast<unsigned char>(size);
        return 2;
    }
    if (size <= 0xFFFF) {
        p[1] = 126;
        p[2] = static_cast<unsigned char>(size >> 8);
        p[3] = static_cast<unsigned char>(size);
        return 4;
    }
    p[1] = 127;
    for (int i = 0; i < 8; ++i)
        p[2 + i] = static_cast<unsigned char>(static_cast<std::uint64_t>(size) >> (56 - 8 * i));
    return 10;
}

std::string make_frame(Opcode opcode, std::string_view payload) {
    char header[max_frame_header];
    const std::size_t n = write_frame_header(opcode, payload.size(), header);
    std::string frame;
    frame.reserve(n + payload.size());
    frame.append(header, n);
    frame.append(payload);
    return frame;
}

std::string make_close_frame(std::uint16_t code, std::string_view reason) {
    // Control frames carry at most 125 bytes: 2 for the code, 123 for the reason.
    if (reason.size() > 123) reason = reason.substr(0, 123);
    std::string payload;
    payload.push_back(static_cast<char>(code >> 8));
    payload.push_back(static_cast<char>(code & 0xFF));
    payload.append(reason);
    return make_frame(Opcode::close, payload);
}

}  // namespace muster::wsframe
