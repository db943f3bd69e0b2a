#include "protocol/event_bytes.hpp"

namespace muster::protocol {
namespace {

bool read_varint(std::string_view& in, std::uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
        const auto byte = static_cast<unsigned char>(in.front());
        in.remove_prefix(1);
        out |= static_cast<std::uint64_t>(byte & 0x7FU) << shift;
        if ((byte & 0x80U) == 0) return true;
    }
    return false;
}

}  // namespace

std::uint64_t peek_event_seq(std::string_view event) {
    std::uint64_t seq = 0;
    while (!event.empty()) {
        std::uint64_t key = 0;
        if (!read_varint(event, key)) return 0;
        const auto field = key >> 3;
        const auto wire_type = key & 7U;
        std::uint64_t value = 0;
        switch (wire_type) {
            case 0:
                if (!read_varint(event, value)) return 0;
                if (field == 2) seq = value;
                break;
            case 1:
                if (event.size() < 8) return 0;
                event.remove_prefix(8);
                break;
            case 2:
                if (!read_varint(event, value) || value > event.size()) return 0;
                event.remove_prefix(static_cast<std::size_t>(value));
                break;
            case 5:
                if (event.size() < 4) return 0;
                event.remove_prefix(4);
                break;
            default:
                return 0;
        }
    }
    return seq;
}

void append_event_seq(std::string& event, std::uint64_t seq) {
    event.push_back(static_cast<char>(0x10));  // field 2, wire type 0
    while (seq >= 0x80) {
        event.push_back(static_cast<char>((seq & 0x7FU) | 0x80U));
        seq >>= 7;
    }
    event.push_back(static_cast<char>(seq));
}

}  // namespace muster::protocol
