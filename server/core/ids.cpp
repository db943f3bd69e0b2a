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

}  // namespace muster
