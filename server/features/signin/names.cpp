#include "features/signin/names.hpp"

#include <cstdint>
#include <vector>

namespace muster::features::signin {

namespace {

// Decodes UTF-8 strictly (no overlongs, no surrogates, nothing above U+10FFFF).
bool decode(std::string_view text, std::vector<char32_t>& out) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto b0 = static_cast<unsigned char>(text[i]);
        char32_t cp = 0;
        std::size_t n = 0;
        if (b0 < 0x80) {
            cp = b0;
            n = 1;
        } else if ((b0 & 0xE0) == 0xC0) {
            cp = b0 & 0x1F;
            n = 2;
        } else if ((b0 & 0xF0) == 0xE0) {
            cp = b0 & 0x0F;
            n = 3;
        } else if ((b0 & 0xF8) == 0xF0) {
            cp = b0 & 0x07;
            n = 4;
        } else {
            return false;
        }
        if (i + n > text.size()) return false;
        for (std::size_t k = 1; k < n; ++k) {
            const auto b = static_cast<unsigned char>(text[i + k]);
            if ((b & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (b & 0x3F);
        }
        static constexpr char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < smallest[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        out.push_back(cp);
        i += n;
    }
    return true;
}

bool is_control(char32_t c) {
    return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F);
}

// Characters that change how a name looks without being seen.
bool is_invisible_format(char32_t c) {
    return (c >= 0x200B && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2060 && c <= 0x2069) || c == 0xFEFF || c == 0x00AD;
}

bool is_space(char32_t c) {
    return c == U' ' || c == 0x3000 || c == 0x00A0;
}

Status bad(std::string_view what_zh, std::string_view what_en, std::string_view zh,
           std::string_view en) {
    return {errc::invalid_argument, std::string(what_zh) + std::string(zh) + " (" +
                                        std::string(what_en) + ' ' + std::string(en) + ")"};
}

}  // namespace

Result<std::string> check_name(std::string_view what_zh, std::string_view what_en,
                               std::string_view name, unsigned max_chars, bool required) {
    std::vector<char32_t> chars;
    if (!decode(name, chars)) return bad(what_zh, what_en, "不是有效的文字", "is not valid UTF-8");
    for (const char32_t c : chars) {
        if (is_control(c) || is_invisible_format(c)) {
            return bad(what_zh, what_en, "含有不可见的控制字符",
                       "contains control or invisible characters");
        }
    }
    // Trim: on the decoded form, then cut the same number of bytes from the text.
    std::size_t first = 0;
    std::size_t last = chars.size();
    while (first < last && is_space(chars[first])) ++first;
    while (last > first && is_space(chars[last - 1])) --last;
    auto bytes_of = [](char32_t c) -> std::size_t {
        return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    };
    std::size_t begin = 0;
    for (std::size_t i = 0; i < first; ++i) begin += bytes_of(chars[i]);
    std::size_t length = 0;
    for (std::size_t i = first; i < last; ++i) length += bytes_of(chars[i]);
    const std::size_t count = last - first;
    if (count == 0) {
        if (!required) return std::string();
        return bad(what_zh, what_en, "不能为空", "is required");
    }
    if (count > max_chars) {
        return bad(what_zh, what_en, "最多 " + std::to_string(max_chars) + " 个字",
                   "is longer than " + std::to_string(max_chars) + " characters");
    }
    return std::string(name.substr(begin, length));
}

}  // namespace muster::features::signin
