#include "core/jwt.hpp"

#include <gtest/gtest.h>

namespace muster {
namespace {

constexpr std::int64_t now_ms = 1'700'000'000'000;

JwtVerifierOptions hs256(std::string secret) {
    JwtVerifierOptions options;
    options.secret = std::move(secret);
    return options;
}

TEST(Jwt, valid_hs256_token_yields_its_claims) {
    auto verifier = JwtVerifier::create(hs256("s3cret"));
    ASSERT_TRUE(verifier.ok());
    const std::string token = sign_hs256(
        R"({"sub":"u1","name":"王晓光","exp":1700000100,"roles":["admin"],"groups":["g1","g2"]})",
        "s3cret");
    auto claims = (*verifier)->verify(token, now_ms);
    ASSERT_TRUE(claims.ok()) << claims.status().message();
    EXPECT_EQ(claims->subject, "u1");
    EXPECT_EQ(claims->name, "王晓光");
    EXPECT_EQ(claims->expires_at_ms, 1'700'000'100'000);
    EXPECT_TRUE(claims->is_admin());
    EXPECT_TRUE(claims->has_group("g2"));
    EXPECT_FALSE(claims->has_group("g3"));
}

TEST(Jwt, token_signed_with_another_secret_is_refused) {
    auto verifier = JwtVerifier::create(hs256("s3cret"));
    const std::string token = sign_hs256(R"({"sub":"u1","exp":1700000100})", "other");
    auto claims = (*verifier)->verify(token, now_ms);
    ASSERT_FALSE(claims.ok());
    EXPECT_EQ(claims.status().code(), errc::unauthenticated);
    EXPECT_NE(claims.status().message().find("signature"), std::string::npos);
}

TEST(Jwt, expired_token_is_refused) {
    auto verifier = JwtVerifier::create(hs256("k"));
    const std::string token = sign_hs256(R"({"sub":"u1","exp":1699999999})", "k");
    auto claims = (*verifier)->verify(token, now_ms);
    ASSERT_FALSE(claims.ok());
    EXPECT_NE(claims.status().message().find("expired"), std::string::npos);
}

TEST(Jwt, token_without_exp_is_refused_unless_allowed) {
    const std::string token = sign_hs256(R"({"sub":"u1"})", "k");
    EXPECT_FALSE((*JwtVerifier::create(hs256("k")))->verify(token, now_ms).ok());
    auto lenient = hs256("k");
    lenient.require_exp = false;
    EXPECT_TRUE((*JwtVerifier::create(lenient))->verify(token, now_ms).ok());
}

TEST(Jwt, alg_none_and_garbage_are_refused) {
    auto verifier = *JwtVerifier::create(hs256("k"));
    const std::string none = base64url_encode(R"({"alg":"none"})") + "." +
                             base64url_encode(R"({"sub":"u1","exp":1800000000})") + ".";
    EXPECT_FALSE(verifier->verify(none, now_ms).ok());
    EXPECT_FALSE(verifier->verify("", now_ms).ok());
    EXPECT_FALSE(verifier->verify("a.b", now_ms).ok());
    EXPECT_FALSE(verifier->verify("a.b.c.d", now_ms).ok());
    EXPECT_FALSE(verifier->verify("!!.??.**", now_ms).ok());
}

TEST(Jwt, missing_sub_or_wrong_claim_types_are_refused) {
    auto verifier = *JwtVerifier::create(hs256("k"));
    EXPECT_FALSE(verifier->verify(sign_hs256(R"({"exp":1800000000})", "k"), now_ms).ok());
    EXPECT_FALSE(
        verifier->verify(sign_hs256(R"({"sub":"u","exp":1800000000,"roles":"admin"})", "k"), now_ms)
            .ok());
    EXPECT_FALSE(verifier->verify(sign_hs256(R"([1,2])", "k"), now_ms).ok());
}

TEST(Jwt, base64url_round_trips_every_length) {
    std::string bytes;
    for (int i = 0; i < 40; ++i) {
        std::string decoded;
        ASSERT_TRUE(base64url_decode(base64url_encode(bytes), decoded));
        EXPECT_EQ(decoded, bytes);
        bytes.push_back(static_cast<char>(i * 37));
    }
}

TEST(Jwt, empty_secret_is_a_configuration_error) {
    EXPECT_FALSE(JwtVerifier::create(hs256("")).ok());
}

}  // namespace
}  // namespace muster
