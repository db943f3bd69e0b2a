// Redis Cluster routing without a socket: the slot of a command, the redirect parser, and the
// slot map read from a CLUSTER SLOTS reply.

#include "redis/cluster_map.hpp"

#include <gtest/gtest.h>

#include "redis/keys.hpp"

namespace muster::redis {
namespace {

TEST(ClusterMap, crc16_slots_match_the_cluster_specification) {
    // The spec's check value: CRC16/XMODEM("123456789") = 0x31C3.
    EXPECT_EQ(hash_slot("123456789"), 0x31C3U);
    EXPECT_EQ(hash_slot("foo"), 12182U);
    EXPECT_EQ(hash_slot(""), 0U);
    EXPECT_EQ(hash_slot("{user1000}.following"), hash_slot("user1000"));
    EXPECT_EQ(hash_slot("foo{}{bar}"), hash_slot("foo{}{bar}"));
    EXPECT_NE(hash_slot("foo{}{bar}"), hash_slot("bar"));  // "{}" is no tag: the whole key
    EXPECT_EQ(hash_slot("foo{{bar}}zap"), hash_slot("{bar"));
    EXPECT_EQ(hash_slot("foo{bar}{zap}"), hash_slot("bar"));
}

TEST(ClusterMap, commands_route_by_their_first_key) {
    const Keys keys("m");
    const unsigned g1 = hash_slot(keys.seq("g1"));
    EXPECT_EQ(command_slot({"GET", keys.seq("g1")}), g1);
    EXPECT_EQ(command_slot({"HSET", keys.groups(), "g1", "x"}), hash_slot(keys.groups()));
    EXPECT_EQ(command_slot({"EVALSHA", "abc", "2", keys.seq("g1"), keys.log("g1"), "arg"}), g1);
    EXPECT_EQ(command_slot({"eval", "return 1", "1", keys.log("g1")}), g1);
    EXPECT_EQ(command_slot({"SPUBLISH", keys.group_channel("g1"), "x"}), g1);
    // No keys: any node.
    EXPECT_EQ(command_slot({"EVALSHA", "abc", "0", "arg"}), std::nullopt);
    EXPECT_EQ(command_slot({"PING"}), std::nullopt);
    EXPECT_EQ(command_slot({"SCRIPT", "LOAD", "return 1"}), std::nullopt);
    EXPECT_EQ(command_slot({"CLUSTER", "SLOTS"}), std::nullopt);
    EXPECT_EQ(command_slot({"PUBLISH", "ch", "x"}), std::nullopt);
    EXPECT_EQ(command_slot({"EVALSHA", "abc", "x", "k"}), std::nullopt);  // malformed numkeys

    EXPECT_FALSE(cross_slot({"EVALSHA", "abc", "2", keys.seq("g1"), keys.log("g1")}));
    EXPECT_TRUE(cross_slot({"EVALSHA", "abc", "2", keys.seq("g1"), keys.seq("g2")}));
    EXPECT_FALSE(cross_slot({"MGET", keys.seq("g1"), keys.seq("g2")}));  // Redis' to refuse
}

TEST(ClusterMap, redirects_parse_and_anything_else_is_not_one) {
    auto moved = parse_redirect("redis: MOVED 3999 127.0.0.1:6381");
    ASSERT_TRUE(moved.has_value());
    EXPECT_EQ(moved->kind, Redirect::Kind::moved);
    EXPECT_EQ(moved->slot, 3999U);
    EXPECT_EQ(moved->target, (NodeAddress{"127.0.0.1", 6381}));

    auto ask = parse_redirect("ASK 0 10.0.0.2:7000");
    ASSERT_TRUE(ask.has_value());
    EXPECT_EQ(ask->kind, Redirect::Kind::ask);
    EXPECT_EQ(ask->slot, 0U);
    EXPECT_EQ(ask->target.str(), "10.0.0.2:7000");

    auto v6 = parse_redirect("MOVED 16383 ::1:7002");
    ASSERT_TRUE(v6.has_value());
    EXPECT_EQ(v6->target.host, "::1");
    EXPECT_EQ(v6->target.port, 7002);

    for (const char* bad :
         {"MOVED", "MOVED 1", "MOVED 16384 h:1", "MOVED x h:1", "MOVED 1 h", "MOVED 1 h:0",
          "MOVED 1 h:99999", "MOVED 1 :7000", "ASK 1 h:1x", "ERR MOVED 1 h:1",
          "CLUSTERDOWN The cluster is down", "redis: NOSCRIPT No matching script"}) {
        EXPECT_FALSE(parse_redirect(bad).has_value()) << bad;
    }
}

Reply node(std::string host, std::int64_t port) {
    return Reply::from_array(
        {Reply::from_string(std::move(host)), Reply::from_integer(port), Reply::from_string("id")});
}

Reply range(std::int64_t start, std::int64_t end, Reply master, Reply replica) {
    return Reply::from_array({Reply::from_integer(start), Reply::from_integer(end),
                              std::move(master), std::move(replica)});
}

TEST(ClusterMap, slot_map_loads_cluster_slots_and_follows_moved) {
    SlotMap map;
    EXPECT_TRUE(map.empty());
    EXPECT_EQ(map.owner(0), nullptr);
    const Reply slots = Reply::from_array({
        range(0, 5460, node("127.0.0.1", 7000), node("127.0.0.1", 7003)),
        range(5461, 10922, node("", 7001), node("127.0.0.1", 7004)),  // "": the one asked
        range(10923, 16383, node("127.0.0.1", 7002), node("127.0.0.1", 7005)),
    });
    ASSERT_TRUE(map.load(slots, NodeAddress{"127.0.0.1", 7001}).ok());
    EXPECT_EQ(map.owner(0)->port, 7000);
    EXPECT_EQ(map.owner(5460)->port, 7000);
    EXPECT_EQ(*map.owner(5461), (NodeAddress{"127.0.0.1", 7001}));
    EXPECT_EQ(map.owner(16383)->port, 7002);
    EXPECT_EQ(map.owner(16384), nullptr);
    EXPECT_EQ(map.masters().size(), 3U);

    map.assign(0, NodeAddress{"127.0.0.1", 7003});
    EXPECT_EQ(map.owner(0)->port, 7003);
    EXPECT_EQ(map.owner(1)->port, 7000);
    EXPECT_EQ(map.masters().size(), 4U);

    // A reply of another shape leaves the map as it was.
    EXPECT_FALSE(map.load(Reply::from_string("x"), {}).ok());
    EXPECT_FALSE(map.load(Reply::from_array({range(5, 2, node("h", 1), node("h", 2))}), {}).ok());
    EXPECT_FALSE(
        map.load(Reply::from_array({range(0, 16384, node("h", 1), node("h", 2))}), {}).ok());
    EXPECT_FALSE(map.load(Reply::from_array({range(0, 1, node("h", 0), node("h", 2))}), {}).ok());
    EXPECT_EQ(map.owner(0)->port, 7003);

    // Slots nobody serves (a cluster that lost a master without a replica).
    ASSERT_TRUE(map.load(Reply::from_array({range(0, 99, node("h", 1), node("h", 2))}), {}).ok());
    EXPECT_EQ(map.owner(100), nullptr);
    EXPECT_EQ(map.masters().size(), 1U);
}

}  // namespace
}  // namespace muster::redis
