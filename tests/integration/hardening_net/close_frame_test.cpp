// Close frames a peer may not send (RFC 6455 §7.4, §5.5.1) are answered 1002, a close reason
// that is not UTF-8 1007; a valid code is echoed.

#include "net_fixture.hpp"

namespace muster::test {
namespace {

class CloseFrameTest : public NetTest {};

std::string close_payload(std::uint16_t code, const std::string& reason = {}) {
    std::string payload;
    payload.push_back(static_cast<char>(code >> 8));
    payload.push_back(static_cast<char>(code & 0xFF));
    return payload + reason;
}

// The close code the server answers `payload` with (0: none before it hung up).
std::uint16_t answer_to_close(NetTest& test, const std::string& payload) {
    auto socket = test.raw_ws();
    EXPECT_TRUE(socket->send(RawSocket::masked_frame(0x8, payload)));
    bool eof = false;
    const std::string bytes = socket->read_until_eof(default_wait, eof);
    EXPECT_TRUE(eof) << "the server must close the TCP connection after the close handshake";
    return RawSocket::close_code_in(bytes);
}

TEST_F(CloseFrameTest, codes_a_peer_may_not_send_get_1002) {
    start();
    for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
        EXPECT_EQ(answer_to_close(*this, close_payload(code)), 1002) << "code " << code;
    }
}

TEST_F(CloseFrameTest, a_one_byte_payload_gets_1002) {
    start();
    EXPECT_EQ(answer_to_close(*this, std::string(1, '\x03')), 1002);
}

TEST_F(CloseFrameTest, a_reason_that_is_not_utf8_gets_1007) {
    start();
    EXPECT_EQ(answer_to_close(*this, close_payload(1000, "bye \xC0\xAF")), 1007);
    EXPECT_EQ(answer_to_close(*this, close_payload(1001, "\xED\xA0\x80")), 1007);  // surrogate
}

TEST_F(CloseFrameTest, valid_codes_are_echoed) {
    start();
    for (std::uint16_t code : {1000, 1001, 1003, 1008, 1011, 1014, 3000, 4000, 4999}) {
        EXPECT_EQ(answer_to_close(*this, close_payload(code, "再见 bye")), code) << "code " << code;
    }
    EXPECT_EQ(answer_to_close(*this, {}), 1000);  // no code at all: a normal close
}

}  // namespace
}  // namespace muster::test
