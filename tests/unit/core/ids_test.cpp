#include "core/ids.hpp"

#include <gtest/gtest.h>

namespace muster {
namespace {

constexpr std::int64_t now_ms = 1'700'000'000'000;

bool is_base32_id(const std::string& id, std::string_view prefix) {
    if (id.size() != prefix.size() + 26 || id.rfind(prefix, 0) != 0) return false;
    return id.find_first_not_of("0123456789abcdefghjkmnpqrstvwxyz", prefix.size()) ==
           std::string::npos;
}

TEST(Ids, new_ids_are_unique_and_ordered_by_time) {
    const std::string first = new_id("dc_", now_ms);
    const std::string second = new_id("dc_", now_ms);
    const std::string later = new_id("dc_", now_ms + 1);
    EXPECT_TRUE(is_base32_id(first, "dc_")) << first;
    EXPECT_NE(first, second);
    EXPECT_LT(first.substr(0, 13), later.substr(0, 13));
}

TEST(Ids, a_keyed_id_depends_on_its_owner_and_key_only) {
    const std::string id = keyed_id("dc_", "alice", "retry-1");
    EXPECT_TRUE(is_base32_id(id, "dc_")) << id;
    EXPECT_EQ(id, keyed_id("dc_", "alice", "retry-1"));
    EXPECT_NE(id, keyed_id("dc_", "bob", "retry-1"));
    EXPECT_NE(id, keyed_id("dc_", "alice", "retry-2"));
    // The boundary between owner and key is part of the input.
    EXPECT_NE(keyed_id("mt_", "ab", "c"), keyed_id("mt_", "a", "bc"));
}

}  // namespace
}  // namespace muster
