#pragma once
// Tokens this server issues itself (device sessions, features/signin): JWTs signed with HS256
// and the configured secret (auth.jwt_secret), or with ES256 and a private key of its own
// (auth.signing_key_file, PEM, SEC1 or PKCS#8, curve P-256). verifier() accepts exactly what
// sign() makes, so the node can take them beside an external issuer's (JwtVerifierOptions::
// fallback). Thread-safe once created: signing takes no shared state but the key, which
// OpenSSL lets several threads use at once.

#include <memory>
#include <string>
#include <string_view>

#include "core/jwt.hpp"
#include "core/status.hpp"

namespace muster {

class JwtSigner {
  public:
    // HS256 with `secret`. INVALID_ARGUMENT when it is empty.
    static Result<std::shared_ptr<const JwtSigner>> hs256(std::string secret);
    // ES256 with the PEM private key. INVALID_ARGUMENT when it is not a P-256 private key.
    static Result<std::shared_ptr<const JwtSigner>> es256(const std::string& private_key_pem);
    ~JwtSigner();
    JwtSigner(const JwtSigner&) = delete;
    JwtSigner& operator=(const JwtSigner&) = delete;

    // header.payload.signature for the claims (a JSON object). Empty only if OpenSSL fails.
    [[nodiscard]] std::string sign(std::string_view claims_json) const;
    // A verifier of these tokens (exp required, no issuer or audience checks).
    [[nodiscard]] std::shared_ptr<const JwtVerifier> verifier() const { return verifier_; }
    [[nodiscard]] JwtAlgorithm algorithm() const { return algorithm_; }

  private:
    struct Key;
    JwtSigner(JwtAlgorithm algorithm, std::string secret, std::unique_ptr<Key> key,
              std::shared_ptr<const JwtVerifier> verifier);

    JwtAlgorithm algorithm_;
    std::string secret_;
    std::unique_ptr<Key> key_;
    std::shared_ptr<const JwtVerifier> verifier_;
};

}  // namespace muster
