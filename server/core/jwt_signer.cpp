#include "core/jwt_signer.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace muster {

struct JwtSigner::Key {
    EVP_PKEY* pkey = nullptr;
    ~Key() { EVP_PKEY_free(pkey); }
};

namespace {

// OpenSSL signs ECDSA as DER; JWS ES256 wants r||s, 32 bytes each (RFC 7518 §3.4).
bool der_to_es256(const unsigned char* der, std::size_t length, std::string& raw) {
    const unsigned char* p = der;
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(length));
    if (sig == nullptr) return false;
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig, &r, &s);
    raw.assign(64, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    const bool ok = BN_bn2binpad(r, out, 32) == 32 && BN_bn2binpad(s, out + 32, 32) == 32;
    ECDSA_SIG_free(sig);
    return ok;
}

}  // namespace

JwtSigner::JwtSigner(JwtAlgorithm algorithm, std::string secret, std::unique_ptr<Key> key,
                     std::shared_ptr<const JwtVerifier> verifier)
    : algorithm_(algorithm)
    , secret_(std::move(secret))
    , key_(std::move(key))
    , verifier_(std::move(verifier)) {}

JwtSigner::~JwtSigner() = default;

Result<std::shared_ptr<const JwtSigner>> JwtSigner::hs256(std::string secret) {
    JwtVerifierOptions options;
    options.algorithm = JwtAlgorithm::hs256;
    options.secret = secret;
    auto verifier = JwtVerifier::create(std::move(options));
    if (!verifier) return verifier.status();
    return std::shared_ptr<const JwtSigner>(
        new JwtSigner(JwtAlgorithm::hs256, std::move(secret), nullptr, std::move(*verifier)));
}

Result<std::shared_ptr<const JwtSigner>> JwtSigner::es256(const std::string& private_key_pem) {
    auto key = std::make_unique<Key>();
    BIO* bio = BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size()));
    key->pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (key->pkey == nullptr || EVP_PKEY_get_base_id(key->pkey) != EVP_PKEY_EC ||
        EVP_PKEY_get_bits(key->pkey) != 256) {
        return Status{errc::invalid_argument,
                      "auth.signing_key_file is not a P-256 private key (PEM)"};
    }
    BIO* out = BIO_new(BIO_s_mem());
    std::string public_pem;
    if (out != nullptr && PEM_write_bio_PUBKEY(out, key->pkey) == 1) {
        char* data = nullptr;
        const long length = BIO_get_mem_data(out, &data);
        public_pem.assign(data, static_cast<std::size_t>(length));
    }
    BIO_free(out);
    JwtVerifierOptions options;
    options.algorithm = JwtAlgorithm::es256;
    options.public_key_pem = std::move(public_pem);
    auto verifier = JwtVerifier::create(std::move(options));
    if (!verifier) return verifier.status();
    return std::shared_ptr<const JwtSigner>(
        new JwtSigner(JwtAlgorithm::es256, {}, std::move(key), std::move(*verifier)));
}

std::string JwtSigner::sign(std::string_view claims_json) const {
    if (algorithm_ == JwtAlgorithm::hs256) return sign_hs256(claims_json, secret_);
    std::string token = base64url_encode(R"({"alg":"ES256","typ":"JWT"})");
    token += '.';
    token += base64url_encode(claims_json);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t length = 0;
    std::string der;
    bool ok =
        ctx != nullptr &&
        EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_->pkey) == 1 &&
        EVP_DigestSign(ctx, nullptr, &length, reinterpret_cast<const unsigned char*>(token.data()),
                       token.size()) == 1;
    if (ok) {
        der.resize(length);
        ok =
            EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &length,
                           reinterpret_cast<const unsigned char*>(token.data()), token.size()) == 1;
    }
    EVP_MD_CTX_free(ctx);
    std::string raw;
    if (!ok || !der_to_es256(reinterpret_cast<const unsigned char*>(der.data()), length, raw))
        return {};
    token += '.';
    token += base64url_encode(raw);
    return token;
}

}  // namespace muster
