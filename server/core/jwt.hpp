#pragma once
// JSON Web Tokens (RFC 7519) as Muster uses them: HS256 with a shared secret by default,
// RS256 or ES256 with a PEM public key when configured. The algorithm is fixed by the
// configuration, never taken from the token's header (no "alg" confusion, no "none").

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace muster {

struct Claims {
    std::string subject;              // "sub": the user id
    std::string name;                 // "name": display name (falls back to sub)
    std::int64_t expires_at_ms = 0;   // "exp" in ms; 0 = no expiry (only if allowed)
    std::vector<std::string> roles;   // "roles": "admin" may manage groups
    std::vector<std::string> groups;  // "groups": extra groups the user may subscribe to
    std::string session_id;           // "sid": the device session of a token this server issued

    [[nodiscard]] bool is_admin() const;
    [[nodiscard]] bool has_group(std::string_view group) const;
};

class JwtVerifier;

enum class JwtAlgorithm : std::uint8_t { hs256, rs256, es256 };

struct JwtVerifierOptions {
    JwtAlgorithm algorithm = JwtAlgorithm::hs256;
    std::string secret;          // HS256
    std::string public_key_pem;  // RS256 / ES256
    std::string issuer;          // checked against "iss" when not empty
    std::string audience;        // checked against "aud" when not empty
    bool require_exp = true;
    std::int64_t leeway_ms = 0;  // tolerated clock skew for exp/nbf
    // Tried when this one refuses a token: the server's own tokens (core/jwt_signer.hpp) beside
    // an external issuer's. Its own refusal is reported only for tokens of its algorithm.
    std::shared_ptr<const JwtVerifier> fallback;
    // `sub` is a user id like any other (core/ids.hpp id_problem); `name` a display name
    // (name_problem). A token with either out of bounds is refused, never truncated.
    std::uint32_t max_subject_bytes = 128;
    std::uint32_t max_name_bytes = 256;
};

class JwtVerifier {
  public:
    // Fails (INVALID_ARGUMENT) on an empty secret or an unreadable key.
    static Result<std::shared_ptr<const JwtVerifier>> create(JwtVerifierOptions options);
    ~JwtVerifier();
    JwtVerifier(const JwtVerifier&) = delete;
    JwtVerifier& operator=(const JwtVerifier&) = delete;

    // UNAUTHENTICATED with a reason when the token is malformed, forged, expired or not yet valid.
    [[nodiscard]] Result<Claims> verify(std::string_view token, std::int64_t now_ms) const;

  private:
    struct Key;
    [[nodiscard]] Result<Claims> verify_here(std::string_view token, std::int64_t now_ms) const;
    JwtVerifier(JwtVerifierOptions options, std::unique_ptr<Key> key);
    JwtVerifierOptions options_;
    std::unique_ptr<Key> key_;
};

// An HS256 token for `claims_json` (a JSON object). For muster-cli and tests.
std::string sign_hs256(std::string_view claims_json, std::string_view secret);

// Base64url without padding (RFC 7515 §2), as JWTs and Web Push use it.
std::string base64url_encode(std::string_view bytes);
// False on characters outside the alphabet.
bool base64url_decode(std::string_view text, std::string& out);

}  // namespace muster
