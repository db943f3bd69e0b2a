// What the sharded subscriber makes of each RESP2 frame (bus/redis/shard_frames.hpp): pushes,
// answers and errors told apart without a socket.

#include "bus/redis/shard_frames.hpp"

#include <gtest/gtest.h>

namespace muster::bus {
namespace {

using redis::Reply;
using Kind = ShardFrame::Kind;

Reply status(std::string text) {
    Reply reply;
    reply.type = Reply::Type::status;
    reply.str = std::move(text);
    return reply;
}

Reply error(std::string text) {
    Reply reply;
    reply.type = Reply::Type::error;
    reply.str = std::move(text);
    return reply;
}

Reply push(std::string kind, std::string channel, Reply third) {
    return Reply::from_array({Reply::from_string(std::move(kind)),
                              Reply::from_string(std::move(channel)), std::move(third)});
}

TEST(ShardFrames, a_publication_carries_its_channel_and_payload_untouched) {
    std::string payload("\x0a\x00\xff bytes", 9);
    const auto frame =
        classify_shard_frame(push("smessage", "m:{g:a}:ch", Reply::from_string(payload)));
    EXPECT_EQ(frame.kind, Kind::message);
    EXPECT_EQ(frame.channel, "m:{g:a}:ch");
    EXPECT_EQ(frame.payload, payload);
}

TEST(ShardFrames, confirmations_and_drops_name_their_channel) {
    auto frame = classify_shard_frame(push("ssubscribe", "c1", Reply::from_integer(1)));
    EXPECT_EQ(frame.kind, Kind::subscribed);
    EXPECT_EQ(frame.channel, "c1");
    frame = classify_shard_frame(push("sunsubscribe", "c2", Reply::from_integer(0)));
    EXPECT_EQ(frame.kind, Kind::unsubscribed);
    EXPECT_EQ(frame.channel, "c2");
    // Redis spells them in lower case; upper case is accepted all the same.
    EXPECT_EQ(classify_shard_frame(push("SMESSAGE", "c", Reply::from_string("x"))).kind,
              Kind::message);
}

TEST(ShardFrames, pong_subscribed_or_not_and_setup_answers) {
    EXPECT_EQ(classify_shard_frame(
                  Reply::from_array({Reply::from_string("pong"), Reply::from_string("")}))
                  .kind,
              Kind::pong);
    EXPECT_EQ(classify_shard_frame(status("PONG")).kind, Kind::pong);
    const auto ok = classify_shard_frame(status("OK"));
    EXPECT_EQ(ok.kind, Kind::status);
    EXPECT_EQ(ok.payload, "OK");
}

TEST(ShardFrames, errors_keep_their_message_for_the_redirect_parser) {
    const auto frame = classify_shard_frame(error("MOVED 3999 127.0.0.1:7002"));
    EXPECT_EQ(frame.kind, Kind::error);
    EXPECT_EQ(frame.payload, "MOVED 3999 127.0.0.1:7002");
}

TEST(ShardFrames, anything_else_is_other_and_never_a_message) {
    // Plain pub/sub (not sharded), wrong arity, wrong element types, scalars.
    EXPECT_EQ(classify_shard_frame(push("message", "c", Reply::from_string("x"))).kind,
              Kind::other);
    EXPECT_EQ(classify_shard_frame(
                  Reply::from_array({Reply::from_string("smessage"), Reply::from_string("c")}))
                  .kind,
              Kind::other);
    EXPECT_EQ(classify_shard_frame(push("smessage", "c", Reply::from_integer(3))).kind,
              Kind::other);
    EXPECT_EQ(classify_shard_frame(push("ssubscribe", "c", Reply::from_string("1"))).kind,
              Kind::other);
    EXPECT_EQ(
        classify_shard_frame(Reply::from_array({Reply::from_integer(1), Reply::from_string("c"),
                                                Reply::from_string("x")}))
            .kind,
        Kind::other);
    EXPECT_EQ(classify_shard_frame(Reply::from_array({})).kind, Kind::other);
    EXPECT_EQ(classify_shard_frame(Reply::from_integer(7)).kind, Kind::other);
    EXPECT_EQ(classify_shard_frame(Reply{}).kind, Kind::other);
}

}  // namespace
}  // namespace muster::bus
