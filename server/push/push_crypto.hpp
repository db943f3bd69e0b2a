#pragma once
// The cryptography of push delivery, with OpenSSL: P-256 keys (VAPID, the APNs .p8, Web Push's
// ephemeral keys), ES256 and RS256 signatures in JWT form, HMAC-SHA256, and RFC 8291's
// aes128gcm content encoding. Pure functions of their inputs (plus the random source for
// fresh keys and salts); safe on any thread.

#include <memory>
#include <string>
#include <string_view>

#include "core/status.hpp"

using EVP_PKEY = struct evp_pkey_st;

namespace muster::push {

struct PkeyDeleter {
    void operator()(EVP_PKEY* key) const;
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

// A private key from PEM text (SEC1 "EC PRIVATE KEY", PKCS#8 "PRIVATE KEY", or RSA).
Result<Pkey> load_private_key_pem(std::string_view pem);
Result<Pkey> load_private_key_file(const std::string& path);
// A fresh P-256 key pair.
Result<Pkey> generate_p256();
// A P-256 private key from its 32-byte scalar (tests: RFC 8291's fixed keys).
Result<Pkey> p256_from_private(std::string_view scalar);
// The uncompressed public point (65 bytes, 0x04 || x || y) of a P-256 key.
Result<std::string> p256_public_point(EVP_PKEY* key);
// The PKCS#8 PEM of a private key (muster-cli push vapid-keys).
Result<std::string> private_key_pem(EVP_PKEY* key);

// A signed JWT: base64url(header).base64url(claims).base64url(signature); ES256 signatures in
// the JOSE form (r || s, 32 bytes each), RS256 PKCS#1 v1.5.
Result<std::string> sign_jwt_es256(EVP_PKEY* key, std::string_view header_json,
                                   std::string_view claims_json);
Result<std::string> sign_jwt_rs256(EVP_PKEY* key, std::string_view header_json,
                                   std::string_view claims_json);

std::string hmac_sha256(std::string_view key, std::string_view data);
std::string to_hex(std::string_view bytes);
std::string random_bytes(std::size_t n);

// RFC 8291 / RFC 8188: `plaintext` for the user agent whose public point is `ua_public`
// (65 bytes) and auth secret `auth_secret` (16 bytes), with the sender's ephemeral key `as_key`
// and a 16-byte `salt`, in one record (record size 4096; the plaintext must fit: at most 3993
// bytes). Returns the message body (header || ciphertext).
Result<std::string> encrypt_aes128gcm(std::string_view plaintext, std::string_view ua_public,
                                      std::string_view auth_secret, EVP_PKEY* as_key,
                                      std::string_view salt);

}  // namespace muster::push
