#include "core/sfu_token.hpp"

#include <array>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace muster {

std::uint64_t sfu_room_id(std::string_view meeting_id) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(meeting_id.data(), meeting_id.size(), digest.data(), &length, EVP_sha256(),
                   nullptr) != 1) {
        throw std::runtime_error("SHA-256 failed");
    }
    std::uint64_t room = 0;
    for (int i = 0; i < 8; ++i) room = (room << 8) | digest[static_cast<std::size_t>(i)];
    room &= (std::uint64_t{1} << 53) - 1;
    return room == 0 ? 1 : room;  // Janus takes room 0 as "pick one for me"
}

std::string sfu_token(std::string_view secret, std::uint64_t room, std::string_view user) {
    std::string message = std::to_string(room);
    message += '\n';
    message += user;
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(),
             &length) == nullptr) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string token;
    for (std::size_t i = 0; i < 16; ++i) {
        token += hex[mac[i] >> 4];
        token += hex[mac[i] & 0xF];
    }
    return token;
}

}  // namespace muster
