#include "store/memory_presence.hpp"

#include <optional>

#include <gtest/gtest.h>

namespace muster::store {
namespace {

// MemoryPresence completes inline, so the value is there when the call returns.
template <class T, class Start>
T now(Start&& start) {
    std::optional<T> value;
    start([&](Result<T> r) {
        ASSERT_TRUE(r.ok());
        value = std::move(*r);
    });
    EXPECT_TRUE(value.has_value()) << "completion was not inline";
    return value.value_or(T{});
}

class MemoryPresenceTest : public ::testing::Test {
  protected:
    bool join(const std::string& g, const std::string& u, const std::string& name = {}) {
        return now<bool>([&](auto d) { presence_.join(g, u, name, d); });
    }
    bool leave(const std::string& g, const std::string& u) {
        return now<bool>([&](auto d) { presence_.leave(g, u, d); });
    }
    std::vector<PresenceEntry> list(const std::string& g) {
        return now<PresencePage>([&](auto d) { presence_.list(g, {}, 1000, d); }).entries;
    }
    PresencePage page(const std::string& g, const std::string& after, std::uint32_t limit) {
        return now<PresencePage>([&](auto d) { presence_.list(g, after, limit, d); });
    }
    std::uint64_t count(const std::string& g) {
        return now<std::uint64_t>([&](auto d) { presence_.count(g, d); });
    }
    bool connected(const std::string& u) {
        return now<bool>([&](auto d) { presence_.is_connected(u, d); });
    }

    MemoryPresence presence_;
};

TEST_F(MemoryPresenceTest, join_and_leave_announce_only_the_first_and_the_last_connection) {
    EXPECT_TRUE(join("g", "u1", "Li"));
    EXPECT_FALSE(join("g", "u1"));  // a second device
    EXPECT_TRUE(join("g", "u2", "Wang"));
    EXPECT_TRUE(join("h", "u1", "Li"));  // another group counts apart

    auto online = list("g");
    ASSERT_EQ(online.size(), 2U);
    EXPECT_EQ(online[0].user, "u1");
    EXPECT_EQ(online[0].name, "Li");  // the empty name of the second join kept it
    EXPECT_EQ(online[1].user, "u2");

    EXPECT_FALSE(leave("g", "u1"));  // one device still there
    EXPECT_EQ(list("g").size(), 2U);
    EXPECT_TRUE(leave("g", "u1"));
    EXPECT_FALSE(leave("g", "u1"));  // never negative
    EXPECT_TRUE(join("g", "u1"));    // so the next join is a first one again
    EXPECT_EQ(list("h").size(), 1U);
}

TEST_F(MemoryPresenceTest, pages_return_everyone_once_in_user_order_and_count_all) {
    for (const char* u : {"d", "a", "c", "b", "e"}) join("g", u);
    EXPECT_EQ(count("g"), 5U);
    EXPECT_EQ(count("nobody"), 0U);
    std::vector<std::string> seen;
    std::string after;
    int pages = 0;
    do {
        const auto p = page("g", after, 2);
        EXPECT_EQ(p.online, 5U);
        for (const auto& e : p.entries) seen.push_back(e.user);
        after = p.next;
        ++pages;
    } while (!after.empty() && pages < 10);
    EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
    EXPECT_EQ(pages, 3);
    EXPECT_TRUE(page("g", "b", 3).next.empty()) << "c, d, e is the last page";
    EXPECT_TRUE(page("g", "e", 3).entries.empty());
}

TEST_F(MemoryPresenceTest, leave_of_an_unknown_pair_is_false_and_lists_stay_empty) {
    EXPECT_FALSE(leave("g", "ghost"));
    EXPECT_TRUE(list("g").empty());
    EXPECT_TRUE(list("never").empty());
}

TEST_F(MemoryPresenceTest, is_connected_counts_connections_per_user) {
    EXPECT_FALSE(connected("u1"));
    presence_.connection_opened("u1");
    presence_.connection_opened("u1");
    EXPECT_TRUE(connected("u1"));
    presence_.connection_closed("u1");
    EXPECT_TRUE(connected("u1"));
    presence_.connection_closed("u1");
    EXPECT_FALSE(connected("u1"));
    presence_.connection_closed("u1");  // an extra close is ignored...
    presence_.connection_opened("u1");
    EXPECT_TRUE(connected("u1"));  // ...and does not swallow the next open
    EXPECT_FALSE(connected("u2"));
}

TEST_F(MemoryPresenceTest, connected_among_answers_each_user_in_the_order_asked) {
    presence_.connection_opened("u2");
    presence_.connection_opened("u4");
    const auto among = now<PresenceStore::Connected>([&](auto d) {
        presence_.connected_among({"u1", "u2", "u3", "u4", "u2"}, d);
    });
    ASSERT_EQ(among.size(), 5u);
    std::vector<bool> seen;
    for (const auto& answer : among) {
        ASSERT_TRUE(answer.ok());
        seen.push_back(*answer);
    }
    EXPECT_EQ(seen, (std::vector<bool>{false, true, false, true, true}));
    EXPECT_TRUE(
        now<PresenceStore::Connected>([&](auto d) { presence_.connected_among({}, d); }).empty());
}

}  // namespace
}  // namespace muster::store
