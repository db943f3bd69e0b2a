// What sign-in refuses: codes past their uses or expiry, revoked codes (all answered alike),
// floods of guesses and refreshes (429 with Retry-After), names nobody could read.

#include <atomic>
#include <thread>

#include "signin_fixture.hpp"

namespace muster::test {
namespace {

class SigninLimitsTest : public SigninTest {};

TEST_P(SigninLimitsTest, fifty_concurrent_redeems_of_ten_uses_let_exactly_ten_in) {
    start({"--auth.redeem_failures_per_minute=1000"});
    const std::string code = code_for(10);
    std::atomic<int> created{0};
    std::atomic<int> refused{0};
    std::atomic<int> other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 50; ++i) {
        threads.emplace_back([&, i] {
            const auto response = client::http_request(
                server().host(), server().port(), "POST", "/api/v1/auth/redeem", {},
                redeem_body(code, "志愿者" + std::to_string(i)));
            if (!response) {
                ++other;
            } else if (response->status == 201) {
                ++created;
            } else if (response->status == 404) {
                ++refused;
            } else {
                ++other;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(created.load(), 10);
    EXPECT_EQ(refused.load(), 40);
    EXPECT_EQ(other.load(), 0);
    const auto listed =
        http_call(server(), "GET", "/api/v1/invitations?group=g1", {}, server().token("coord"));
    EXPECT_NE(listed.body.find("\"uses\":10"), std::string::npos) << listed.body;
}

TEST_P(SigninLimitsTest, unknown_revoked_expired_and_used_up_codes_are_answered_alike) {
    start({"--debug.manual_clock=true", "--auth.redeem_failures_per_minute=1000"});
    const std::string used_up = code_for(1);
    ASSERT_EQ(redeem(used_up, "甲").status, 201);
    const std::string expiring = code_for(5, 60);
    ASSERT_EQ(redeem(expiring, "乙").status, 201);  // works before its expiry
    const auto revoked_invitation = created_invitation(invite("coord", invitation_body("g1", 5)));
    ASSERT_EQ(
        http_call(server(), "DELETE", "/api/v1/invitations/" + text_of(revoked_invitation, "id"),
                  {}, server().token("coord"))
            .status,
        204);
    admin_http(server(), "POST", "/api/v1/debug/clock?advance_ms=61000");

    const Redeemed unknown = redeem("AAAAAAAAAAAAAAAAAAAAAA", "丙");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_NE(unknown.body.find("NOT_FOUND"), std::string::npos);
    for (const std::string& code : {used_up, expiring, text_of(revoked_invitation, "code")}) {
        const Redeemed refused = redeem(code, "丙");
        EXPECT_EQ(refused.status, 404);
        EXPECT_EQ(refused.body, unknown.body) << "a refused code must not say why";
    }
}

TEST_P(SigninLimitsTest, repeated_failures_from_one_address_get_429_with_retry_after) {
    start({"--auth.redeem_failures_per_minute=3", "--auth.refresh_per_minute=2"});
    const std::string good = code_for(5);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(redeem("guess" + std::to_string(i), "甲").status, 404);
    const auto limited =
        http_call(server(), "POST", "/api/v1/auth/redeem", redeem_body(good, "甲"));
    EXPECT_EQ(limited.status, 429) << limited.body;
    EXPECT_NE(limited.body.find("RATE_LIMITED"), std::string::npos);
    const std::string retry = limited.header("Retry-After");
    ASSERT_FALSE(retry.empty());
    EXPECT_GE(std::stoi(retry), 1);
    EXPECT_LE(std::stoi(retry), 60);

    // Refreshes have their own budget per address.
    EXPECT_EQ(refresh("ds_x.y").status, 401);
    EXPECT_EQ(refresh("ds_x.y").status, 401);
    const auto too_many = refresh("ds_x.y");
    EXPECT_EQ(too_many.status, 429);
    EXPECT_FALSE(too_many.header("Retry-After").empty());
}

TEST_P(SigninLimitsTest, names_are_checked_with_a_clear_message) {
    start();
    const std::string code = code_for(1);
    for (const std::string& bad :
         {std::string(), std::string("   "), std::string("李\x01明"), std::string("\xff\xfe"),
          std::string("李\u202e明"), std::string(40, 'a')}) {
        const Redeemed refused = redeem(code, bad);
        EXPECT_EQ(refused.status, 400) << "name " << bad;
        EXPECT_NE(refused.body.find("INVALID_ARGUMENT"), std::string::npos);
        // Invalid UTF-8 is refused by the JSON parser already ("the body must be ...").
        const bool says_what = refused.body.find("name") != std::string::npos ||
                               refused.body.find("body") != std::string::npos;
        EXPECT_TRUE(says_what) << refused.body;
    }
    // None of them used the code.
    EXPECT_EQ(redeem(code, "李明").status, 201);
}

INSTANTIATE_TEST_SUITE_P(Backends, SigninLimitsTest, testing::ValuesIn(all_backends()),
                         backend_name);

}  // namespace
}  // namespace muster::test
