// Key names, hash tags and the other small helpers of the Redis layer: a group's keys share a
// Redis Cluster slot, channel names map back to groups, URLs parse, the seq field written
// after the fact reads back like protobuf's own.

#include "redis/keys.hpp"

#include <gtest/gtest.h>

#include "muster/v1/event.pb.h"
#include "protocol/event_bytes.hpp"
#include "redis/endpoint.hpp"
#include "redis/reply.hpp"
#include "redis/script.hpp"

namespace muster::redis {
namespace {

TEST(RedisKeys, every_key_of_a_group_shares_one_cluster_slot) {
    const Keys keys("muster");
    for (const std::string group : {"g1", "volunteers/north", "odd}id", "{x}", ""}) {
        const unsigned slot = hash_slot(keys.seq(group));
        EXPECT_EQ(hash_slot(keys.log(group)), slot) << group;
        EXPECT_EQ(hash_slot(keys.idempotency(group, "alice", "k1")), slot) << group;
        EXPECT_EQ(hash_slot(keys.group_channel(group)), slot) << group;
    }
    EXPECT_EQ(hash_slot(keys.presence_online("g1")), hash_slot(keys.presence_nodes("g1")));
    EXPECT_EQ(hash_slot(keys.presence_online("g1")), hash_slot(keys.presence_names("g1")));
    EXPECT_EQ(hash_slot(keys.presence_online("g1")), hash_slot(keys.presence_users("g1")));
    EXPECT_EQ(hash_slot(keys.groups()), hash_slot(keys.members("g1")));
    EXPECT_EQ(hash_slot(keys.groups()), hash_slot(keys.memberships("alice")));
    EXPECT_EQ(hash_slot(keys.groups()), hash_slot(keys.users()));
    // Different groups spread over the slots.
    EXPECT_NE(hash_slot(keys.seq("g1")), hash_slot(keys.seq("g2")));
}

TEST(RedisKeys, hash_slot_matches_redis_cluster_keyslot) {
    // Values from CLUSTER KEYSLOT on Redis 7.
    EXPECT_EQ(hash_slot("foo"), 12182U);
    EXPECT_EQ(hash_slot("{user1000}.following"), hash_slot("{user1000}.followers"));
    EXPECT_EQ(hash_slot("{user1000}.following"), hash_slot("user1000"));
    EXPECT_EQ(hash_slot("foo{}{bar}"), hash_slot("foo{}{bar}"));  // empty tag: the whole key
    EXPECT_EQ(hash_slot("123456789"), 0x31C3U % 16384U);          // CRC16/XMODEM check value
}

TEST(RedisKeys, layout_and_channels) {
    const Keys keys("m");
    EXPECT_EQ(keys.seq("g1"), "m:{g:g1}:seq");
    EXPECT_EQ(keys.log("g1"), "m:{g:g1}:log");
    EXPECT_EQ(keys.group_channel("g1"), "m:{g:g1}:ch");
    EXPECT_EQ(keys.control_channel(), "m:control");
    EXPECT_EQ(keys.health_channel("n1"), "m:node:n1:health");
    // The user's length keeps ("a:b", "c") and ("a", "b:c") apart.
    EXPECT_NE(keys.idempotency("g", "a:b", "c"), keys.idempotency("g", "a", "b:c"));

    EXPECT_EQ(keys.group_of_channel("m:{g:g1}:ch"), "g1");
    EXPECT_EQ(keys.group_of_channel(keys.group_channel("odd}:ch")), "odd}:ch");
    EXPECT_EQ(keys.group_of_channel("m:control"), std::nullopt);
    EXPECT_EQ(keys.group_of_channel("other:{g:g1}:ch"), std::nullopt);

    EXPECT_TRUE(validate_prefix("muster").ok());
    EXPECT_FALSE(validate_prefix("").ok());
    EXPECT_FALSE(validate_prefix("a{b}").ok());
}

TEST(RedisEndpoint, parses_host_port_db_and_credentials) {
    auto plain = parse_endpoint("redis://127.0.0.1:6380");
    ASSERT_TRUE(plain.ok()) << plain.status().message();
    EXPECT_EQ(plain->host, "127.0.0.1");
    EXPECT_EQ(plain->port, 6380);
    EXPECT_EQ(plain->db, 0U);

    auto full = parse_endpoint("redis://app:s3cret@redis.internal:7000/3");
    ASSERT_TRUE(full.ok());
    EXPECT_EQ(full->host, "redis.internal");
    EXPECT_EQ(full->port, 7000);
    EXPECT_EQ(full->db, 3U);
    EXPECT_EQ(full->user, "app");
    EXPECT_EQ(full->password, "s3cret");
    EXPECT_EQ(full->describe(), "redis.internal:7000/3") << "no secret in logs";

    auto defaults = parse_endpoint("redis://:pw@localhost");
    ASSERT_TRUE(defaults.ok());
    EXPECT_EQ(defaults->port, 6379);
    EXPECT_EQ(defaults->user, "");
    EXPECT_EQ(defaults->password, "pw");

    auto v6 = parse_endpoint("redis://[::1]:6390/1");
    ASSERT_TRUE(v6.ok());
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->port, 6390);

    for (const char* bad :
         {"http://x", "rediss://x:1", "redis://", "redis://h:x", "redis://h:0", "redis://h:1/x"}) {
        auto parsed = parse_endpoint(bad);
        EXPECT_FALSE(parsed.ok()) << bad;
        if (!parsed.ok()) {
            EXPECT_EQ(parsed.status().code(), errc::invalid_argument);
        }
    }
}

TEST(EventSeq, appended_seq_parses_like_protobufs_own_and_reads_back) {
    for (const std::uint64_t seq : {1ULL, 127ULL, 128ULL, 300ULL, 16384ULL, (1ULL << 53) - 1}) {
        muster::v1::Event event;
        event.set_group("g1");
        event.set_time_ms(1'700'000'000'000);
        event.set_sender("alice");
        event.mutable_chat()->set_text("hello");
        std::string bytes = event.SerializeAsString();  // no seq: field absent
        EXPECT_EQ(protocol::peek_event_seq(bytes), 0U);
        protocol::append_event_seq(bytes, seq);

        muster::v1::Event parsed;
        ASSERT_TRUE(parsed.ParseFromString(bytes));
        EXPECT_EQ(parsed.seq(), seq);
        EXPECT_EQ(parsed.chat().text(), "hello");
        EXPECT_EQ(protocol::peek_event_seq(bytes), seq);

        event.set_seq(seq);  // the canonical encoding reads the same
        EXPECT_EQ(protocol::peek_event_seq(event.SerializeAsString()), seq);
    }
    EXPECT_EQ(protocol::peek_event_seq(std::string("\x12\x05", 2)), 0U) << "truncated";
}

TEST(RedisReply, errors_that_mean_not_now_are_unavailable) {
    EXPECT_EQ(error_status("LOADING Redis is loading the dataset in memory").code(),
              errc::unavailable);
    EXPECT_EQ(error_status("OOM command not allowed").code(), errc::unavailable);
    EXPECT_EQ(error_status("BUSY Redis is busy running a script").code(), errc::unavailable);
    EXPECT_EQ(error_status("ERR syntax error").code(), errc::internal);
    EXPECT_EQ(error_status("NOSCRIPT No matching script").code(), errc::internal);

    std::int64_t n = 0;
    EXPECT_TRUE(as_integer(Reply::from_integer(42), n));
    EXPECT_EQ(n, 42);
    EXPECT_TRUE(as_integer(Reply::from_string("-7"), n));
    EXPECT_EQ(n, -7);
    EXPECT_FALSE(as_integer(Reply::from_string("7x"), n));
    EXPECT_FALSE(as_integer(Reply{}, n));
}

TEST(RedisScript, sha1_is_what_script_load_returns) {
    // SCRIPT LOAD "return 1" -> e0e1f9fabfc9d4800c877a703b823ac0578ff8db
    EXPECT_EQ(Script("return 1").sha1(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    EXPECT_EQ(sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

}  // namespace
}  // namespace muster::redis
