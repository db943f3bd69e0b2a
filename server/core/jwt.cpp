#include "core/jwt.hpp"

#include <algorithm>

#include <boost/json.hpp>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "core/ids.hpp"

namespace muster {

namespace json = boost::json;

namespace {

Status unauthenticated(std::string message) {
    return {errc::unauthenticated, std::move(message)};
}

std::string hmac_sha256(std::string_view data, std::string_view secret) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &length);
    return {reinterpret_cast<const char*>(mac), length};
}

// JWS ES256 signatures are r||s, 32 bytes each; OpenSSL verifies DER.
bool es256_to_der(std::string_view raw, std::string& der) {
    if (raw.size() != 64) return false;
    ECDSA_SIG* sig = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
    BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
    if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(sig);
        return false;
    }
    unsigned char* out = nullptr;
    const int length = i2d_ECDSA_SIG(sig, &out);
    ECDSA_SIG_free(sig);  // owns r and s now
    if (length <= 0) return false;
    der.assign(reinterpret_cast<const char*>(out), static_cast<std::size_t>(length));
    OPENSSL_free(out);
    return true;
}

// Reads a NumericDate claim (seconds, possibly fractional) as milliseconds.
bool numeric_date_ms(const json::object& claims, std::string_view name, std::int64_t& out) {
    const auto* value = claims.if_contains(name);
    if (value == nullptr) return false;
    if (value->is_int64())
        out = value->as_int64() * 1000;
    else if (value->is_uint64())
        out = static_cast<std::int64_t>(value->as_uint64()) * 1000;
    else if (value->is_double())
        out = static_cast<std::int64_t>(value->as_double() * 1000.0);
    else
        return false;
    return true;
}

bool read_string_array(const json::value* value, std::vector<std::string>& out) {
    if (value == nullptr) return true;
    if (!value->is_array()) return false;
    for (const auto& item : value->as_array()) {
        if (!item.is_string()) return false;
        out.emplace_back(item.as_string());
    }
    return true;
}

}  // namespace

bool Claims::is_admin() const {
    return std::find(roles.begin(), roles.end(), "admin") != roles.end();
}

bool Claims::has_group(std::string_view group) const {
    return std::find(groups.begin(), groups.end(), group) != groups.end();
}

struct JwtVerifier::Key {
    EVP_PKEY* pkey = nullptr;
    ~Key() { EVP_PKEY_free(pkey); }
};

JwtVerifier::JwtVerifier(JwtVerifierOptions options, std::unique_ptr<Key> key)
    : options_(std::move(options)), key_(std::move(key)) {}

JwtVerifier::~JwtVerifier() = default;

Result<std::shared_ptr<const JwtVerifier>> JwtVerifier::create(JwtVerifierOptions options) {
    auto key = std::make_unique<Key>();
    if (options.algorithm == JwtAlgorithm::hs256) {
        if (options.secret.empty()) {
            return Status{errc::invalid_argument, "auth.jwt_secret is empty"};
        }
    } else {
        BIO* bio = BIO_new_mem_buf(options.public_key_pem.data(),
                                   static_cast<int>(options.public_key_pem.size()));
        key->pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
        BIO_free(bio);
        if (key->pkey == nullptr) {
            return Status{errc::invalid_argument, "auth.jwt_public_key is not a PEM public key"};
        }
        const int type = EVP_PKEY_get_base_id(key->pkey);
        if ((options.algorithm == JwtAlgorithm::rs256 && type != EVP_PKEY_RSA) ||
            (options.algorithm == JwtAlgorithm::es256 && type != EVP_PKEY_EC)) {
            return Status{errc::invalid_argument, "the public key does not fit auth.jwt_algorithm"};
        }
    }
    return std::shared_ptr<const JwtVerifier>(new JwtVerifier(std::move(options), std::move(key)));
}

Result<Claims> JwtVerifier::verify(std::string_view token, std::int64_t now_ms) const {
    Result<Claims> claims = verify_here(token, now_ms);
    if (claims || !options_.fallback) return claims;
    Result<Claims> other = options_.fallback->verify(token, now_ms);
    if (other) return other;
    // The refusal that speaks of the token: the verifier of its algorithm's.
    const bool not_ours = claims.status().message().rfind("token algorithm must be", 0) == 0;
    return not_ours ? other : claims;
}

Result<Claims> JwtVerifier::verify_here(std::string_view token, std::int64_t now_ms) const {
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
        return unauthenticated("token is not a JWT (header.payload.signature)");
    }
    const std::string_view signed_part = token.substr(0, dot2);
    std::string header_text;
    std::string payload_text;
    std::string signature;
    if (!base64url_decode(token.substr(0, dot1), header_text) ||
        !base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1), payload_text) ||
        !base64url_decode(token.substr(dot2 + 1), signature)) {
        return unauthenticated("token is not valid base64url");
    }

    boost::system::error_code ec;
    const json::value header = json::parse(header_text, ec);
    if (ec || !header.is_object()) return unauthenticated("token header is not a JSON object");
    const auto* alg = header.as_object().if_contains("alg");
    static constexpr std::string_view names[] = {"HS256", "RS256", "ES256"};
    const auto expected = names[static_cast<int>(options_.algorithm)];
    if (alg == nullptr || !alg->is_string() || alg->as_string() != expected) {
        return unauthenticated("token algorithm must be " + std::string(expected));
    }

    bool valid = false;
    if (options_.algorithm == JwtAlgorithm::hs256) {
        const std::string mac = hmac_sha256(signed_part, options_.secret);
        valid = mac.size() == signature.size() &&
                CRYPTO_memcmp(mac.data(), signature.data(), mac.size()) == 0;
    } else {
        std::string der;
        const std::string* sig = &signature;
        if (options_.algorithm == JwtAlgorithm::es256) {
            if (!es256_to_der(signature, der)) return unauthenticated("token signature is invalid");
            sig = &der;
        }
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        valid =
            ctx != nullptr &&
            EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key_->pkey) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                             reinterpret_cast<const unsigned char*>(signed_part.data()),
                             signed_part.size()) == 1;
        EVP_MD_CTX_free(ctx);
    }
    if (!valid) return unauthenticated("token signature is invalid");

    const json::value payload = json::parse(payload_text, ec);
    if (ec || !payload.is_object()) return unauthenticated("token claims are not a JSON object");
    const auto& object = payload.as_object();

    Claims claims;
    const auto* sub = object.if_contains("sub");
    if (sub == nullptr || !sub->is_string() || sub->as_string().empty()) {
        return unauthenticated("token has no sub claim");
    }
    claims.subject = std::string(sub->as_string());
    if (std::string problem = id_problem(claims.subject, options_.max_subject_bytes);
        !problem.empty()) {
        return unauthenticated("token sub (the user id) " + problem);
    }
    if (const auto* name = object.if_contains("name"); name != nullptr && name->is_string()) {
        claims.name = std::string(name->as_string());
        if (std::string problem = name_problem(claims.name, options_.max_name_bytes);
            !claims.name.empty() && !problem.empty()) {
            return unauthenticated("token name " + problem);
        }
    }
    if (claims.name.empty()) claims.name = claims.subject;
    if (const auto* sid = object.if_contains("sid"); sid != nullptr && sid->is_string()) {
        claims.session_id = std::string(sid->as_string());
    }

    if (numeric_date_ms(object, "exp", claims.expires_at_ms)) {
        if (now_ms >= claims.expires_at_ms + options_.leeway_ms) {
            return unauthenticated("token expired");
        }
    } else if (options_.require_exp) {
        return unauthenticated("token has no exp claim");
    }
    if (std::int64_t not_before = 0; numeric_date_ms(object, "nbf", not_before)) {
        if (now_ms + options_.leeway_ms < not_before) return unauthenticated("token not yet valid");
    }
    if (!options_.issuer.empty()) {
        const auto* iss = object.if_contains("iss");
        if (iss == nullptr || !iss->is_string() || iss->as_string() != options_.issuer) {
            return unauthenticated("token issuer is not accepted");
        }
    }
    if (!options_.audience.empty()) {
        const auto* aud = object.if_contains("aud");
        bool match = aud != nullptr && aud->is_string() && aud->as_string() == options_.audience;
        if (aud != nullptr && aud->is_array()) {
            for (const auto& item : aud->as_array()) {
                match = match || (item.is_string() && item.as_string() == options_.audience);
            }
        }
        if (!match) return unauthenticated("token audience is not accepted");
    }
    if (!read_string_array(object.if_contains("roles"), claims.roles) ||
        !read_string_array(object.if_contains("groups"), claims.groups)) {
        return unauthenticated("token roles and groups must be arrays of strings");
    }
    return claims;
}

std::string sign_hs256(std::string_view claims_json, std::string_view secret) {
    std::string token = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
    token += '.';
    token += base64url_encode(claims_json);
    const std::string mac = hmac_sha256(token, secret);
    token += '.';
    token += base64url_encode(mac);
    return token;
}

std::string base64url_encode(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    while (!out.empty() && out.back() == '=') out.pop_back();
    for (char& c : out) {
        if (c == '+')
            c = '-';
        else if (c == '/')
            c = '_';
    }
    return out;
}

bool base64url_decode(std::string_view text, std::string& out) {
    std::string padded;
    padded.reserve(text.size() + 3);
    for (char c : text) {
        if (c == '-')
            padded.push_back('+');
        else if (c == '_')
            padded.push_back('/');
        else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            padded.push_back(c);
        } else {
            return false;
        }
    }
    if (padded.size() % 4 == 1) return false;
    const std::size_t pad = (4 - padded.size() % 4) % 4;
    padded.append(pad, '=');
    out.assign(padded.size() / 4 * 3 + 1, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(padded.data()),
                                  static_cast<int>(padded.size()));
    if (n < 0) return false;
    out.resize(static_cast<std::size_t>(n) - pad);  // EVP_DecodeBlock counts padding as zeros
    return true;
}

}  // namespace muster
