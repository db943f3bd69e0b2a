#include "push/push_crypto.hpp"

#include <fstream>
#include <sstream>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "core/jwt.hpp"

namespace muster::push {

namespace {

struct CtxDeleter {
    void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
    void operator()(BIO* bio) const { BIO_free(bio); }
    void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
    void operator()(OSSL_PARAM_BLD* bld) const { OSSL_PARAM_BLD_free(bld); }
    void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
    void operator()(BIGNUM* bn) const { BN_free(bn); }
    void operator()(EC_GROUP* group) const { EC_GROUP_free(group); }
    void operator()(EC_POINT* point) const { EC_POINT_free(point); }
};
template <class T>
using Owned = std::unique_ptr<T, CtxDeleter>;

Status crypto_error(const std::string& what) {
    return {errc::internal, "push crypto: " + what};
}

// A public key from its uncompressed P-256 point.
Result<Pkey> p256_from_public(std::string_view point) {
    Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
    OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                     point.size());
    Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
    Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY* key = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
        EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0) {
        return {errc::invalid_argument, "not a P-256 public key"};
    }
    return Pkey(key);
}

Result<std::string> ecdh(EVP_PKEY* mine, EVP_PKEY* theirs) {
    Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(mine, nullptr));
    std::size_t length = 0;
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 ||
        EVP_PKEY_derive_set_peer(ctx.get(), theirs) <= 0 ||
        EVP_PKEY_derive(ctx.get(), nullptr, &length) <= 0) {
        return crypto_error("ECDH");
    }
    std::string secret(length, '\0');
    if (EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(secret.data()), &length) <= 0)
        return crypto_error("ECDH");
    secret.resize(length);
    return secret;
}

Result<std::string> sign_digest(EVP_PKEY* key, std::string_view data) {
    Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    std::size_t length = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) <= 0 ||
        EVP_DigestSign(ctx.get(), nullptr, &length,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) <= 0) {
        return crypto_error("signature");
    }
    std::string out(length, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &length,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) <= 0) {
        return crypto_error("signature");
    }
    out.resize(length);
    return out;
}

std::string signing_input(std::string_view header_json, std::string_view claims_json) {
    return base64url_encode(header_json) + "." + base64url_encode(claims_json);
}

}  // namespace

void PkeyDeleter::operator()(EVP_PKEY* key) const {
    EVP_PKEY_free(key);
}

Result<Pkey> load_private_key_pem(std::string_view pem) {
    Owned<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (key == nullptr) return {errc::invalid_argument, "not a PEM private key"};
    return Pkey(key);
}

Result<Pkey> load_private_key_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {errc::invalid_argument, "cannot read " + path};
    std::ostringstream text;
    text << in.rdbuf();
    auto key = load_private_key_pem(text.str());
    if (!key) return {errc::invalid_argument, path + ": " + key.status().message()};
    return key;
}

Result<Pkey> generate_p256() {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    if (key == nullptr) return crypto_error("key generation");
    return Pkey(key);
}

Result<Pkey> p256_from_private(std::string_view scalar) {
    Owned<BIGNUM> priv(BN_bin2bn(reinterpret_cast<const unsigned char*>(scalar.data()),
                                 static_cast<int>(scalar.size()), nullptr));
    Owned<EC_GROUP> group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
    Owned<EC_POINT> point(EC_POINT_new(group.get()));
    if (!priv || !group || !point ||
        EC_POINT_mul(group.get(), point.get(), priv.get(), nullptr, nullptr, nullptr) != 1) {
        return crypto_error("P-256 private key");
    }
    std::string pub(65, '\0');
    if (EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED,
                           reinterpret_cast<unsigned char*>(pub.data()), pub.size(),
                           nullptr) != 65) {
        return crypto_error("P-256 public point");
    }
    Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
    OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get());
    OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size());
    Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
    Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY* key = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
        EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_KEYPAIR, params.get()) <= 0) {
        return crypto_error("P-256 key from scalar");
    }
    return Pkey(key);
}

Result<std::string> p256_public_point(EVP_PKEY* key) {
    std::string point(65, '\0');
    std::size_t length = 0;
    if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY,
                                        reinterpret_cast<unsigned char*>(point.data()),
                                        point.size(), &length) != 1 ||
        length != 65) {
        return {errc::invalid_argument, "not a P-256 key"};
    }
    return point;
}

Result<std::string> private_key_pem(EVP_PKEY* key) {
    Owned<BIO> bio(BIO_new(BIO_s_mem()));
    if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return crypto_error("PEM");
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(length));
}

Result<std::string> sign_jwt_es256(EVP_PKEY* key, std::string_view header_json,
                                   std::string_view claims_json) {
    const std::string input = signing_input(header_json, claims_json);
    auto der = sign_digest(key, input);
    if (!der) return der.status();
    const auto* p = reinterpret_cast<const unsigned char*>(der->data());
    Owned<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der->size())));
    if (!sig) return crypto_error("ECDSA signature");
    std::string raw(64, '\0');
    if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), reinterpret_cast<unsigned char*>(raw.data()),
                     32) != 32 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), reinterpret_cast<unsigned char*>(raw.data()) + 32,
                     32) != 32) {
        return crypto_error("ECDSA signature size");
    }
    return input + "." + base64url_encode(raw);
}

Result<std::string> sign_jwt_rs256(EVP_PKEY* key, std::string_view header_json,
                                   std::string_view claims_json) {
    const std::string input = signing_input(header_json, claims_json);
    auto sig = sign_digest(key, input);
    if (!sig) return sig.status();
    return input + "." + base64url_encode(*sig);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length);
    return std::string(reinterpret_cast<const char*>(out), length);
}

std::string to_hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n));
    return out;
}

Result<std::string> encrypt_aes128gcm(std::string_view plaintext, std::string_view ua_public,
                                      std::string_view auth_secret, EVP_PKEY* as_key,
                                      std::string_view salt) {
    constexpr std::uint32_t record_size = 4096;
    if (plaintext.size() + 1 + 16 > record_size - 86)
        return {errc::too_large, "push payload over one record"};
    if (ua_public.size() != 65 || auth_secret.size() != 16 || salt.size() != 16)
        return {errc::invalid_argument, "p256dh must be 65 bytes and auth 16"};
    auto ua_key = p256_from_public(ua_public);
    if (!ua_key) return ua_key.status();
    auto as_public = p256_public_point(as_key);
    if (!as_public) return as_public.status();
    auto shared = ecdh(as_key, ua_key->get());
    if (!shared) return shared.status();

    // RFC 8291 §3.4: the auth secret and both public keys go into the input keying material.
    const std::string prk_key = hmac_sha256(auth_secret, *shared);
    std::string key_info = "WebPush: info";
    key_info.push_back('\0');
    key_info.append(ua_public).append(*as_public).push_back('\x01');
    const std::string ikm = hmac_sha256(prk_key, key_info);
    // RFC 8188 §2.2-2.3: content-encryption key and nonce (one record: sequence number 0).
    const std::string prk = hmac_sha256(salt, ikm);
    const std::string cek =
        hmac_sha256(prk, std::string("Content-Encoding: aes128gcm\0\x01", 29)).substr(0, 16);
    const std::string nonce =
        hmac_sha256(prk, std::string("Content-Encoding: nonce\0\x01", 25)).substr(0, 12);

    std::string record(plaintext);
    record.push_back('\x02');  // the last (only) record's delimiter, no padding
    std::string out(salt);
    out.push_back(static_cast<char>(record_size >> 24));
    out.push_back(static_cast<char>((record_size >> 16) & 0xFF));
    out.push_back(static_cast<char>((record_size >> 8) & 0xFF));
    out.push_back(static_cast<char>(record_size & 0xFF));
    out.push_back(static_cast<char>(as_public->size()));
    out.append(*as_public);

    Owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
    std::string sealed(record.size() + 16, '\0');
    int length = 0;
    int final_length = 0;
    if (!ctx ||
        EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr,
                           reinterpret_cast<const unsigned char*>(cek.data()),
                           reinterpret_cast<const unsigned char*>(nonce.data())) != 1 ||
        EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(sealed.data()), &length,
                          reinterpret_cast<const unsigned char*>(record.data()),
                          static_cast<int>(record.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(sealed.data()) + length,
                            &final_length) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16,
                            sealed.data() + length + final_length) != 1) {
        return crypto_error("AES-128-GCM");
    }
    out.append(sealed);
    return out;
}

}  // namespace muster::push
