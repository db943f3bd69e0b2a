// The startup check of presence.list_max_members: a positive page no larger than 10,000 users,
// and a full page (ids and names at their limits) within the outbound bound.

#include <gtest/gtest.h>

#include "core/config.hpp"

namespace muster {
namespace {

Config valid() {
    Config c;
    c.auth.jwt_secret = "s";
    return c;
}

TEST(ConfigPresence, the_defaults_agree) {
    EXPECT_TRUE(validate(valid()).ok());
}

TEST(ConfigPresence, list_max_members_must_be_a_positive_page) {
    Config c = valid();
    c.presence.list_max_members = 0;
    EXPECT_EQ(validate(c).code(), errc::invalid_argument);
    c.presence.list_max_members = 10001;
    EXPECT_EQ(validate(c).code(), errc::invalid_argument);
}

TEST(ConfigPresence, a_full_page_must_fit_in_the_outbound_bound) {
    Config c = valid();
    c.presence.list_max_members = 4000;  // 4000 x (128 + 128 + 32) bytes > 1 MiB
    const Status status = validate(c);
    EXPECT_EQ(status.code(), errc::invalid_argument);
    EXPECT_NE(status.message().find("presence.list_max_members"), std::string::npos);
    c.limits.outbound_queue_bytes = 4 * 1024 * 1024;  // a larger bound agrees again
    EXPECT_TRUE(validate(c).ok()) << validate(c).message();
}

}  // namespace
}  // namespace muster
