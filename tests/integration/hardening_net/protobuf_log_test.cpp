// Frames with invalid UTF-8 in a protobuf string cannot fill the log: libprotobuf's line per
// frame goes through the node's logger, at most one a minute.

#include "net_fixture.hpp"

namespace muster::test {
namespace {

class ProtobufLogTest : public NetTest {};

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

TEST_F(ProtobufLogTest, invalid_utf8_frames_before_connect_log_at_most_one_line) {
    start({"--limits.max_protocol_violations=100000", "--limits.commands_per_second=1000000",
           "--limits.command_burst=1000000"});
    RawSocket socket(server().host(), server().port());
    ASSERT_TRUE(socket.send(
        "GET /ws HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: muster.v1.proto\r\n\r\n"));
    std::string response;
    while (response.find("\r\n\r\n") == std::string::npos) {
        const std::string more = socket.read_some(default_wait);
        ASSERT_FALSE(more.empty()) << response;
        response += more;
    }
    ASSERT_NE(response.find("101"), std::string::npos) << response;

    // ClientFrame { connect { token: "\xC0\xAF" } }: field 10 holding field 1, not UTF-8.
    const std::string bad =
        RawSocket::masked_frame(0x2, std::string("\x52\x04\x0A\x02\xC0\xAF", 6));
    std::string frames;
    for (int i = 0; i < 200; ++i) frames += bad;
    ASSERT_TRUE(socket.send(frames));
    // The node decodes frames in order: once our close is answered, all 200 were parsed.
    ASSERT_TRUE(socket.send(RawSocket::masked_frame(0x8, std::string("\x03\xE8", 2))));
    bool eof = false;
    const std::string bytes = socket.read_until_eof(default_wait, eof);
    ASSERT_EQ(RawSocket::close_code_in(bytes), 1000);

    const std::string log = server().log_text();
    EXPECT_GE(count(log, "invalid UTF-8"), 1U) << "the first one is still logged";
    EXPECT_LE(count(log, "invalid UTF-8"), 1U) << server().log_tail();
}

}  // namespace
}  // namespace muster::test
