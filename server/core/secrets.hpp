#pragma once
// Secrets (sign-in's invitation codes and refresh tokens), drawn from OpenSSL's CSPRNG and
// written URL-safe (base64url, no padding), and the one-way form they are looked up by.
// Neither is ever logged; only hashes of refresh tokens are stored.

#include <cstddef>
#include <string>
#include <string_view>

namespace muster {

inline constexpr std::size_t code_bytes = 16;     // 128 bits: an invitation code
inline constexpr std::size_t refresh_bytes = 32;  // 256 bits: a refresh token

// `bytes` random bytes as base64url. Throws std::runtime_error if the RNG fails (it does not
// once seeded; a server that cannot draw secrets must not hand out guessable ones).
std::string random_secret(std::size_t bytes);

// Lower-case hex SHA-256.
std::string sha256_hex(std::string_view text);

}  // namespace muster
