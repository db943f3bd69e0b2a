// hiredis' RESP parser behind redis::ReplyReader: frames split anywhere come out whole and in
// order, binary payloads intact, and garbage breaks the reader for good.

#include "redis/reply_reader.hpp"

#include <gtest/gtest.h>

namespace muster::redis {
namespace {

bool needs_more(ReplyReader& reader) {
    return std::holds_alternative<ReplyReader::NeedMore>(reader.next());
}

Reply take(ReplyReader& reader) {
    auto next = reader.next();
    EXPECT_TRUE(std::holds_alternative<Reply>(next));
    return std::holds_alternative<Reply>(next) ? std::get<Reply>(std::move(next)) : Reply{};
}

TEST(ReplyReader, a_push_split_byte_by_byte_comes_out_once_whole) {
    const std::string payload("a\r\nb\0c", 6);
    const std::string wire = "*3\r\n$8\r\nsmessage\r\n$2\r\nch\r\n$6\r\n" + payload + "\r\n+OK\r\n";
    ReplyReader reader;
    for (std::size_t i = 0; i + 5 < wire.size(); ++i) {  // all but "+OK\r\n"
        ASSERT_TRUE(needs_more(reader)) << "after " << i << " bytes";
        ASSERT_TRUE(reader.feed(wire.data() + i, 1));
    }
    const Reply push = take(reader);
    ASSERT_TRUE(push.is_array());
    ASSERT_EQ(push.elements.size(), 3U);
    EXPECT_EQ(push.elements[0].str, "smessage");
    EXPECT_EQ(push.elements[1].str, "ch");
    EXPECT_EQ(push.elements[2].str, payload);
    EXPECT_TRUE(needs_more(reader));
    ASSERT_TRUE(reader.feed(wire.data() + wire.size() - 5, 5));
    const Reply ok = take(reader);
    EXPECT_EQ(ok.type, Reply::Type::status);
    EXPECT_EQ(ok.str, "OK");
    EXPECT_TRUE(needs_more(reader));
}

TEST(ReplyReader, several_frames_in_one_read_come_out_in_order) {
    const std::string wire = "-MOVED 12 127.0.0.1:7001\r\n:5\r\n*2\r\n$4\r\npong\r\n$0\r\n\r\n";
    ReplyReader reader;
    ASSERT_TRUE(reader.feed(wire.data(), wire.size()));
    const Reply error = take(reader);
    EXPECT_TRUE(error.is_error());
    EXPECT_EQ(error.str, "MOVED 12 127.0.0.1:7001");
    EXPECT_EQ(take(reader).integer, 5);
    const Reply pong = take(reader);
    ASSERT_EQ(pong.elements.size(), 2U);
    EXPECT_EQ(pong.elements[0].str, "pong");
    EXPECT_TRUE(needs_more(reader));
}

TEST(ReplyReader, bytes_that_are_not_resp_break_it_for_good) {
    ReplyReader reader;
    const std::string garbage = "?what\r\n";
    ASSERT_TRUE(reader.feed(garbage.data(), garbage.size()));
    EXPECT_TRUE(std::holds_alternative<ReplyReader::Broken>(reader.next()));
    EXPECT_FALSE(reader.feed("+OK\r\n", 5));
    EXPECT_TRUE(std::holds_alternative<ReplyReader::Broken>(reader.next()));
}

}  // namespace
}  // namespace muster::redis
