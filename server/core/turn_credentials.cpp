#include "core/turn_credentials.hpp"

#include <array>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace muster {

TurnCredentials turn_credentials(std::string_view secret, std::string_view user,
                                 std::int64_t expiry_s) {
    TurnCredentials out;
    out.username = std::to_string(expiry_s);
    out.username += ':';
    out.username += user;
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int length = 0;
    if (HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(out.username.data()), out.username.size(),
             mac.data(), &length) == nullptr) {
        throw std::runtime_error("HMAC-SHA1 failed");
    }
    // 4 output characters per 3 input bytes, plus the terminating NUL EVP_EncodeBlock writes.
    std::string encoded(((length + 2) / 3) * 4 + 1, '\0');
    const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                        mac.data(), static_cast<int>(length));
    encoded.resize(static_cast<std::size_t>(written));
    out.credential = std::move(encoded);
    return out;
}

}  // namespace muster
