// RFC 8291's worked example (Appendix A) as a known answer, and the signatures' shapes.

#include <gtest/gtest.h>

#include "core/jwt.hpp"
#include "push/push_crypto.hpp"
#include "push/web_push_provider.hpp"

namespace muster::push {
namespace {

std::string b64(std::string_view text) {
    std::string out;
    EXPECT_TRUE(base64url_decode(text, out)) << text;
    return out;
}

TEST(WebPushCrypto, rfc8291_appendix_a_is_reproduced_byte_for_byte) {
    auto as_key = p256_from_private(b64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"));
    ASSERT_TRUE(as_key.ok()) << as_key.status().message();
    EXPECT_EQ(
        base64url_encode(*p256_public_point(as_key->get())),
        "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8");
    auto body = encrypt_aes128gcm("When I grow up, I want to be a watermelon",
                                  b64("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-"
                                      "AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"),
                                  b64("BTBZMqHH6r4Tts7J_aSIgg"), as_key->get(),
                                  b64("DGv6ra1nlYgDCS1FRnbzlw"));
    ASSERT_TRUE(body.ok()) << body.status().message();
    EXPECT_EQ(
        base64url_encode(*body),
        "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocIn"
        "mYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQ"
        "exSgSxsj_Qulcy4a-fN");
}

TEST(WebPushCrypto, bad_subscription_keys_and_oversized_payloads_are_errors) {
    auto as_key = generate_p256();
    ASSERT_TRUE(as_key.ok());
    EXPECT_FALSE(
        encrypt_aes128gcm("x", "short", std::string(16, 'a'), as_key->get(), std::string(16, 's'))
            .ok());
    auto point = p256_public_point(as_key->get());
    EXPECT_EQ(encrypt_aes128gcm(std::string(5000, 'x'), *point, std::string(16, 'a'), as_key->get(),
                                std::string(16, 's'))
                  .status()
                  .code(),
              errc::too_large);
    std::string off_curve = *point;
    off_curve[10] ^= 0x55;
    EXPECT_FALSE(
        encrypt_aes128gcm("x", off_curve, std::string(16, 'a'), as_key->get(), std::string(16, 's'))
            .ok());
}

TEST(WebPushCrypto, es256_jwts_have_three_parts_and_a_64_byte_signature) {
    auto key = generate_p256();
    ASSERT_TRUE(key.ok());
    auto jwt = sign_jwt_es256(key->get(), R"({"alg":"ES256"})", R"({"aud":"https://x"})");
    ASSERT_TRUE(jwt.ok());
    const auto last = jwt->rfind('.');
    EXPECT_EQ(b64(jwt->substr(last + 1)).size(), 64U);
    EXPECT_EQ(origin_of("https://push.example:8443/send/abc?x=1"), "https://push.example:8443");
    EXPECT_EQ(to_hex(hmac_sha256("key", "The quick brown fox jumps over the lazy dog")),
              "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

}  // namespace
}  // namespace muster::push
