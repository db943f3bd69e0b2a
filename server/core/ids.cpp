#include "core/ids.hpp"

#include <array>
#include <stdexcept>

#include <openssl/rand.h>

namespace muster {

std::string new_id(std::string_view prefix, std::int64_t now_ms) {
    static constexpr char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
    std::array<unsigned char, 10> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
        throw std::runtime_error("RAND_bytes failed");
    }
    std::string id(prefix);
    id.reserve(prefix.size() + 26);
    // 48 bits of time in 10 characters (the top 2 bits of the first are zero).
    const auto time = static_cast<std::uint64_t>(now_ms) & 0xFFFFFFFFFFFFULL;
    for (int shift = 45; shift >= 0; shift -= 5) id.push_back(alphabet[(time >> shift) & 31U]);
    // 80 random bits in 16 characters.
    std::uint64_t bits = 0;
    int have = 0;
    for (unsigned char byte : random) {
        bits = (bits << 8) | byte;
        have += 8;
        while (have >= 5) {
            have -= 5;
            id.push_back(alphabet[(bits >> have) & 31U]);
        }
    }
    return id;
}

}  // namespace muster
