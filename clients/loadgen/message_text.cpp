#include "loadgen/message_text.hpp"

namespace muster::loadgen {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void put_hex(char* out, std::uint64_t value, int digits) {
    for (int i = digits - 1; i >= 0; --i) {
        out[i] = hex_digits[value & 0xF];
        value >>= 4;
    }
}

bool get_hex(std::string_view in, std::uint64_t& value) {
    value = 0;
    for (const char c : in) {
        int digit = 0;
        if (c >= '0' && c <= '9') {
            digit = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            digit = c - 'a' + 10;
        } else {
            return false;
        }
        value = (value << 4) | static_cast<std::uint64_t>(digit);
    }
    return true;
}

}  // namespace

void stamp_text(std::string& text, std::int64_t sent_ns, std::uint32_t message) {
    put_hex(text.data(), static_cast<std::uint64_t>(sent_ns), 16);
    text[16] = ' ';
    put_hex(text.data() + 17, message, 8);
    text[25] = ' ';
}

bool read_text(std::string_view text, std::int64_t& sent_ns, std::uint32_t& message) {
    if (text.size() < message_header_bytes || text[16] != ' ') return false;
    std::uint64_t sent = 0;
    std::uint64_t number = 0;
    if (!get_hex(text.substr(0, 16), sent) || !get_hex(text.substr(17, 8), number)) return false;
    sent_ns = static_cast<std::int64_t>(sent);
    message = static_cast<std::uint32_t>(number);
    return true;
}

std::string blank_text(std::size_t size) {
    std::string text(size < message_header_bytes ? message_header_bytes : size, 'x');
    return text;
}

}  // namespace muster::loadgen
