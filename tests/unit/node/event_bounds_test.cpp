// The largest event of each type under the configured limits, and the start-up check.

#include "node/event_bounds.hpp"

#include <gtest/gtest.h>

namespace muster::node {
namespace {

TEST(EventBounds, every_event_type_fits_a_quarter_of_the_default_queue) {
    const Config config;
    const auto bounds = largest_events(config);
    ASSERT_GE(bounds.size(), 6U);
    for (const auto& b : bounds) {
        EXPECT_LE(b.json_bytes, config.limits.outbound_queue_bytes / 4) << b.type;
        EXPECT_LE(b.proto_bytes, config.limits.outbound_queue_bytes / 4) << b.type;
        // The worst case is JSON escaping: every text byte takes six.
        EXPECT_GT(b.json_bytes, b.proto_bytes) << b.type;
        std::cout << "[ measured ] largest " << b.type << ": " << b.proto_bytes
                  << " bytes protobuf, " << b.json_bytes << " bytes JSON\n";
    }
    EXPECT_TRUE(check_event_bounds(config));
}

TEST(EventBounds, a_text_limit_that_outgrows_the_queue_is_refused) {
    Config config;
    config.limits.max_text_bytes = 64 * 1024;  // JSON: 384 KB of escapes in one chat message
    const Status s = check_event_bounds(config);
    ASSERT_FALSE(s);
    EXPECT_NE(s.message().find("chat"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("limits.outbound_queue_bytes"), std::string::npos) << s.message();
    config.limits.outbound_queue_bytes = 8 * 1024 * 1024;
    EXPECT_TRUE(check_event_bounds(config)) << check_event_bounds(config).message();
}

TEST(EventBounds, duty_lists_in_events_do_not_follow_the_slots) {
    Config few;
    few.duty.max_slots = 100;
    Config many;
    many.duty.max_slots = 1'000'000;
    const auto size_of = [](const Config& c) {
        for (const auto& b : largest_events(c))
            if (b.type == "duty_update") return b.json_bytes;
        return std::size_t{0};
    };
    EXPECT_EQ(size_of(few), size_of(many));
}

}  // namespace
}  // namespace muster::node
