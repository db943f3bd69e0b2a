// The sign-in rules without a store: what redeeming, rotating and revoking do to a record.

#include "features/signin/rules.hpp"

#include <gtest/gtest.h>

#include "core/qr_code.hpp"
#include "features/signin/address_limiter.hpp"
#include "features/signin/names.hpp"

namespace muster::features::signin {
namespace {

Invitation invitation(std::uint32_t max_uses, std::int64_t expires_at_ms) {
    Invitation i;
    i.id = "iv_1";
    i.code = "c";
    i.group = "g1";
    i.max_uses = max_uses;
    i.expires_at_ms = expires_at_ms;
    return i;
}

TEST(SigninRules, an_invitation_is_used_up_to_its_uses_then_refused_like_an_unknown_one) {
    Invitation i = invitation(2, 1000);
    EXPECT_TRUE(use_invitation(i, 10));
    EXPECT_TRUE(use_invitation(i, 10));
    EXPECT_EQ(i.uses, 2U);
    const Status used_up = use_invitation(i, 10);
    EXPECT_EQ(used_up.code(), errc::not_found);
    EXPECT_EQ(used_up.message(), unknown_code_message);
    EXPECT_EQ(i.uses, 2U);
}

TEST(SigninRules, expired_and_revoked_invitations_are_refused_alike) {
    Invitation expired = invitation(5, 1000);
    EXPECT_EQ(use_invitation(expired, 1000).message(), unknown_code_message);
    Invitation revoked = invitation(5, 1000);
    EXPECT_TRUE(revoke_invitation(revoked, 0));
    EXPECT_EQ(use_invitation(revoked, 10).message(), unknown_code_message);
    EXPECT_EQ(revoked.uses, 0U);
}

DeviceSession session() {
    DeviceSession s;
    s.id = "ds_1";
    s.user = "u_1";
    s.refresh_hash = "h0";
    s.last_seen_ms = 0;
    return s;
}

TEST(SigninRules, refresh_rotates_and_a_rotated_token_revokes_the_session) {
    DeviceSession s = session();
    auto rotated = rotate_refresh(s, {"h0", "h1", 1'000'000}, 100);
    ASSERT_TRUE(rotated);
    EXPECT_TRUE(*rotated);
    EXPECT_EQ(s.refresh_hash, "h1");
    EXPECT_EQ(s.last_seen_ms, 100);
    EXPECT_FALSE(s.revoked);
    // A stranger's token changes nothing.
    EXPECT_EQ(rotate_refresh(s, {"zz", "h2", 1'000'000}, 200).status().code(),
              errc::unauthenticated);
    EXPECT_EQ(s.refresh_hash, "h1");
    // The rotated one comes back: the session ends.
    auto reused = rotate_refresh(s, {"h0", "h2", 1'000'000}, 300);
    ASSERT_TRUE(reused);
    EXPECT_TRUE(s.revoked);
    EXPECT_EQ(s.revoked_reason, "reuse");
    // And the current one no longer works.
    EXPECT_EQ(rotate_refresh(s, {"h1", "h3", 1'000'000}, 400).status().code(),
              errc::unauthenticated);
}

TEST(SigninRules, an_idle_session_ends_at_its_next_refresh) {
    DeviceSession s = session();
    auto result = rotate_refresh(s, {"h0", "h1", 1000}, 1001);
    ASSERT_TRUE(result);
    EXPECT_TRUE(s.revoked);
    EXPECT_EQ(s.revoked_reason, "idle");
}

TEST(SigninRules, rotated_hashes_are_bounded) {
    DeviceSession s = session();
    for (int i = 0; i < 100; ++i) {
        ASSERT_TRUE(rotate_refresh(
            s, {"h" + std::to_string(i), "h" + std::to_string(i + 1), 1'000'000}, i));
    }
    EXPECT_EQ(s.rotated_hashes.size(), rotated_hashes_kept);
    EXPECT_EQ(s.rotated_hashes.back(), "h99");
}

TEST(SigninRules, revoking_is_idempotent_and_touching_is_at_most_once_a_minute) {
    DeviceSession s = session();
    EXPECT_TRUE(*touch_session(s, 60'000));
    EXPECT_FALSE(*touch_session(s, 61'000));
    EXPECT_TRUE(*revoke_session(s, 70'000));
    EXPECT_FALSE(*revoke_session(s, 80'000));
    EXPECT_EQ(touch_session(s, 200'000).status().code(), errc::unauthenticated);
}

TEST(SigninRules, records_survive_their_stored_form) {
    DeviceSession s = session();
    s.device_name = "李明的手机";
    s.rotated_hashes = {"a", "b"};
    auto back = decode_session(encode(s));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->device_name, s.device_name);
    EXPECT_EQ(back->rotated_hashes, s.rotated_hashes);
    Invitation i = invitation(3, 99);
    i.role = store::Role::coordinator;
    i.note = "重华 门岗志愿者";
    auto again = decode_invitation(encode(i));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->role, store::Role::coordinator);
    EXPECT_EQ(again->note, i.note);
    EXPECT_EQ(again->expires_at_ms, 99);
}

TEST(SigninNames, names_are_trimmed_and_checked) {
    EXPECT_EQ(*check_name("名字", "name", "  李明\u3000", 32, true), "李明");
    EXPECT_FALSE(check_name("名字", "name", "", 32, true));
    EXPECT_FALSE(check_name("名字", "name", " \u3000 ", 32, true));
    EXPECT_FALSE(check_name("名字", "name", "a\nb", 32, true));
    EXPECT_FALSE(check_name("名字", "name", "a\u200bb", 32, true));
    EXPECT_FALSE(check_name("名字", "name", "\xc0\x80", 32, true));  // overlong NUL
    EXPECT_TRUE(check_name("名字", "name", std::string(32, 'a'), 32, true));
    EXPECT_FALSE(check_name("名字", "name", std::string(33, 'a'), 32, true));
    // Counted in characters: 32 Chinese characters are 96 bytes and fit.
    std::string long_chinese;
    for (int i = 0; i < 32; ++i) long_chinese += "李";
    EXPECT_TRUE(check_name("名字", "name", long_chinese, 32, true));
    const auto refused = check_name("名字", "name", "", 32, true);
    EXPECT_NE(refused.status().message().find("name is required"), std::string::npos);
    EXPECT_EQ(*check_name("设备名", "deviceName", "", 64, false), "");
}

TEST(SigninLimiter, an_address_gets_its_budget_then_waits) {
    AddressLimiter limiter(3);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.take("10.0.0.1", 0), 0);
    EXPECT_GT(limiter.wait_s("10.0.0.1", 0), 0);
    EXPECT_EQ(limiter.wait_s("10.0.0.2", 0), 0);       // others are not affected
    EXPECT_EQ(limiter.wait_s("10.0.0.1", 20'000), 0);  // 3 a minute: one back after 20 s
}

TEST(QrCode, a_link_becomes_a_scannable_matrix_and_svg) {
    auto code = qr_encode("http://127.0.0.1:8080/join/AAAAAAAAAAAAAAAAAAAAAA");
    ASSERT_TRUE(code);
    EXPECT_GE(code->size, 21);
    // The three finder patterns: dark corners.
    EXPECT_TRUE(code->at(0, 0));
    EXPECT_TRUE(code->at(code->size - 1, 0));
    EXPECT_TRUE(code->at(0, code->size - 1));
    const std::string svg = qr_svg(*code);
    EXPECT_EQ(svg.rfind("<?xml", 0), 0U);
    EXPECT_NE(svg.find("viewBox=\"0 0 " + std::to_string(code->size + 8)), std::string::npos);
    EXPECT_NE(qr_terminal(*code).find("\u2588"), std::string::npos);
}

}  // namespace
}  // namespace muster::features::signin
