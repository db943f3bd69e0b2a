#include "core/ids.hpp"

#include <array>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace muster {

namespace {

constexpr char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
constexpr std::size_t id_chars = 26;

// Appends `chars` base32 characters taken from the leading bits of `bytes`.
void append_base32(std::string& id, const unsigned char* bytes, std::size_t chars) {
    std::uint64_t bits = 0;
    int have = 0;
    for (std::size_t done = 0; done < chars; ++done) {
        if (have < 5) {
            bits = (bits << 8) | *bytes++;
            have += 8;
        }
        have -= 5;
        id.push_back(alphabet[(bits >> have) & 31U]);
    }
}

}  // namespace

std::string new_id(std::string_view prefix, std::int64_t now_ms) {
    std::array<unsigned char, 10> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
        throw std::runtime_error("RAND_bytes failed");
    }
    std::string id(prefix);
    id.reserve(prefix.size() + id_chars);
    // 48 bits of time in 10 characters (the top 2 bits of the first are zero).
    const auto time = static_cast<std::uint64_t>(now_ms) & 0xFFFFFFFFFFFFULL;
    for (int shift = 45; shift >= 0; shift -= 5) id.push_back(alphabet[(time >> shift) & 31U]);
    append_base32(id, random.data(), 16);  // 80 random bits
    return id;
}

std::string keyed_id(std::string_view prefix, std::string_view owner, std::string_view key) {
    std::string input(owner);
    input.push_back('\0');  // ("ab", "c") and ("a", "bc") are different keys
    input.append(key);
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(input.data(), input.size(), digest.data(), &length, EVP_sha256(), nullptr) !=
        1) {
        throw std::runtime_error("EVP_Digest failed");
    }
    std::string id(prefix);
    id.reserve(prefix.size() + id_chars);
    append_base32(id, digest.data(), id_chars);  // 130 of SHA-256's 256 bits
    return id;
}

std::string id_problem(std::string_view id, std::uint32_t max_bytes) {
    if (id.empty()) return "is required";
    if (id.size() > max_bytes) return "is longer than " + std::to_string(max_bytes) + " bytes";
    for (char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == ':' ||
                        c == '@';
        if (!ok) return "may only contain A-Z a-z 0-9 . _ - : @";
    }
    if (id.find("..") != std::string_view::npos) return "may not contain \"..\"";
    return {};
}

std::string name_problem(std::string_view name, std::uint32_t max_bytes) {
    if (name.empty()) return "is required";
    if (name.size() > max_bytes) return "is longer than " + std::to_string(max_bytes) + " bytes";
    std::size_t i = 0;
    while (i < name.size()) {
        const auto lead = static_cast<unsigned char>(name[i]);
        std::uint32_t cp = 0;
        std::size_t length = 0;
        if (lead < 0x80) {
            cp = lead;
            length = 1;
        } else if ((lead & 0xE0U) == 0xC0U) {
            cp = lead & 0x1FU;
            length = 2;
        } else if ((lead & 0xF0U) == 0xE0U) {
            cp = lead & 0x0FU;
            length = 3;
        } else if ((lead & 0xF8U) == 0xF0U) {
            cp = lead & 0x07U;
            length = 4;
        } else {
            return "is not valid UTF-8";
        }
        if (i + length > name.size()) return "is not valid UTF-8";
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(name[i + k]);
            if ((next & 0xC0U) != 0x80U) return "is not valid UTF-8";
            cp = (cp << 6U) | (next & 0x3FU);
        }
        static constexpr std::uint32_t min_of_length[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_of_length[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return "is not valid UTF-8";
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029)
            return "may not contain control characters or line breaks";
        i += length;
    }
    return {};
}

}  // namespace muster
