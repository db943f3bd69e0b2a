// The SFU room id and participant tokens (core/sfu_token.hpp): known answers computed apart
// (Python's hashlib and hmac), the bounds Janus and JavaScript need, and that a token is bound
// to its room, its user and the secret.

#include "core/sfu_token.hpp"

#include <gtest/gtest.h>

namespace muster {
namespace {

TEST(SfuToken, room_ids_are_the_first_53_bits_of_the_meeting_ids_sha256) {
    EXPECT_EQ(sfu_room_id("mt_01jemeeting"), 1650340684280665U);
    for (const char* id : {"", "mt_a", "mt_b", "一个会议"}) {
        const std::uint64_t room = sfu_room_id(id);
        EXPECT_GT(room, 0U) << id;                      // Janus takes 0 as "pick one"
        EXPECT_LT(room, std::uint64_t{1} << 53) << id;  // exact in JavaScript
        EXPECT_EQ(room, sfu_room_id(id)) << id;         // every node computes the same
    }
    EXPECT_NE(sfu_room_id("mt_a"), sfu_room_id("mt_b"));
}

TEST(SfuToken, tokens_are_hmac_sha256_of_room_and_user_under_the_secret) {
    EXPECT_EQ(sfu_token("sfu-secret", 1650340684280665U, "liming"),
              "ec64e255d67dd444aec78c112eeba921");
    const std::string token = sfu_token("sfu-secret", 42, "liming");
    EXPECT_EQ(token.size(), 32U);
    EXPECT_NE(token, sfu_token("sfu-secret", 43, "liming"));     // another room
    EXPECT_NE(token, sfu_token("sfu-secret", 42, "zhangfang"));  // another user
    EXPECT_NE(token, sfu_token("other-secret", 42, "liming"));   // another secret
    EXPECT_EQ(token, sfu_token("sfu-secret", 42, "liming"));
}

}  // namespace
}  // namespace muster
