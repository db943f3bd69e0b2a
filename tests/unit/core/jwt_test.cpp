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

// The claims of a token for `sub` and `name` (JSON-escaped by the caller), or why it was refused.
Result<Claims> verify_sub_name(const std::string& sub_json, const std::string& name_json) {
    auto verifier = JwtVerifier::create(hs256("k"));
    std::string claims = R"({"sub":)" + sub_json + R"(,"exp":1700000100)";
    if (!name_json.empty()) claims += R"(,"name":)" + name_json;
    claims += "}";
    return (*verifier)->verify(sign_hs256(claims, "k"), now_ms);
}

TEST(Jwt, sub_is_validated_like_every_other_id) {
    EXPECT_TRUE(verify_sub_name(R"("wang.xg@branch-3:a_b")", "").ok());
    for (const char* bad : {R"("../admin")", R"("a/b")", R"("a..b")", R"("line\nbreak")",
                            R"("tab\there")", R"("nul\u0000")", R"("王")", R"("a b")"}) {
        auto claims = verify_sub_name(bad, "");
        ASSERT_FALSE(claims.ok()) << bad;
        EXPECT_EQ(claims.status().code(), errc::unauthenticated);
        EXPECT_NE(claims.status().message().find("sub"), std::string::npos)
            << claims.status().message();
    }
    EXPECT_TRUE(verify_sub_name("\"" + std::string(128, 'u') + "\"", "").ok());
    EXPECT_FALSE(verify_sub_name("\"" + std::string(129, 'u') + "\"", "").ok());
}

TEST(Jwt, name_is_bounded_single_line_text) {
    auto chinese = verify_sub_name(R"("u1")", R"("王晓光")");
    ASSERT_TRUE(chinese.ok());
    EXPECT_EQ(chinese->name, "王晓光");
    EXPECT_TRUE(verify_sub_name(R"("u1")", "\"" + std::string(256, 'n') + "\"").ok());
    auto huge = verify_sub_name(R"("u1")", "\"" + std::string(40000, 'n') + "\"");
    ASSERT_FALSE(huge.ok());
    EXPECT_NE(huge.status().message().find("name"), std::string::npos);
    for (const char* bad : {R"("two\nlines")", R"("cr\r")", R"("bell\u0007")", R"("del\u007f")",
                            R"("c1\u0085")", R"("ls\u2028")"}) {
        EXPECT_FALSE(verify_sub_name(R"("u1")", bad).ok()) << bad;
    }
    // No name: the user id stands in for it.
    auto unnamed = verify_sub_name(R"("u1")", "");
    ASSERT_TRUE(unnamed.ok());
    EXPECT_EQ(unnamed->name, "u1");
}

}  // namespace
}  // namespace muster
