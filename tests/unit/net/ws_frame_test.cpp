#include "net/ws_frame.hpp"

#include <string>

#include <gtest/gtest.h>

namespace muster::net {
namespace {

// A masked client frame, as a browser would send it.
std::string client_frame(Opcode opcode, std::string_view payload, bool fin = true,
                         const unsigned char mask[4] = nullptr) {
    static const unsigned char default_mask[4] = {0x37, 0xfa, 0x21, 0x3d};
    if (mask == nullptr) mask = default_mask;
    std::string out;
    out.push_back(static_cast<char>((fin ? 0x80 : 0x00) | static_cast<int>(opcode)));
    if (payload.size() < 126) {
        out.push_back(static_cast<char>(0x80 | payload.size()));
    } else if (payload.size() <= 0xFFFF) {
        out.push_back(static_cast<char>(0x80 | 126));
        out.push_back(static_cast<char>(payload.size() >> 8));
        out.push_back(static_cast<char>(payload.size() & 0xFF));
    } else {
        out.push_back(static_cast<char>(0x80 | 127));
        for (int i = 7; i >= 0; --i)
            out.push_back(static_cast<char>((payload.size() >> (8 * i)) & 0xFF));
    }
    out.append(reinterpret_cast<const char*>(mask), 4);
    for (std::size_t i = 0; i < payload.size(); ++i)
        out.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    return out;
}

TEST(WsFrame, server_header_uses_the_shortest_length_encoding) {
    char header[max_frame_header];
    EXPECT_EQ(write_frame_header(Opcode::text, 125, header), 2U);
    EXPECT_EQ(static_cast<unsigned char>(header[0]), 0x81);
    EXPECT_EQ(static_cast<unsigned char>(header[1]), 125);
    EXPECT_EQ(write_frame_header(Opcode::binary, 126, header), 4U);
    EXPECT_EQ(static_cast<unsigned char>(header[1]), 126);
    EXPECT_EQ(write_frame_header(Opcode::binary, 65535, header), 4U);
    EXPECT_EQ(write_frame_header(Opcode::binary, 65536, header), 10U);
    EXPECT_EQ(static_cast<unsigned char>(header[1]), 127);
}

TEST(WsFrame, parses_and_unmasks_a_client_frame) {
    std::string wire = client_frame(Opcode::text, "hello, 世界");
    const ParseResult r = parse_client_frame(wire.data(), wire.size(), 1024);
    ASSERT_EQ(r.status, ParseStatus::frame);
    EXPECT_EQ(r.frame.opcode, Opcode::text);
    EXPECT_TRUE(r.frame.fin);
    EXPECT_EQ(r.frame.payload, "hello, 世界");
    EXPECT_EQ(r.consumed, wire.size());
}

TEST(WsFrame, reports_need_more_for_every_truncation) {
    const std::string full = client_frame(Opcode::binary, std::string(300, 'x'));
    for (std::size_t n = 0; n < full.size(); ++n) {
        std::string part = full.substr(0, n);
        EXPECT_EQ(parse_client_frame(part.data(), part.size(), 1024).status, ParseStatus::need_more)
            << n;
    }
}

TEST(WsFrame, large_payload_with_64_bit_length) {
    std::string wire = client_frame(Opcode::binary, std::string(70000, 'y'));
    const ParseResult r = parse_client_frame(wire.data(), wire.size(), 100000);
    ASSERT_EQ(r.status, ParseStatus::frame);
    EXPECT_EQ(r.frame.payload.size(), 70000U);
}

TEST(WsFrame, frame_over_the_limit_is_refused_from_its_header_alone) {
    std::string wire =
        client_frame(Opcode::binary, std::string(2000, 'z')).substr(0, 8);  // header only
    const ParseResult r = parse_client_frame(wire.data(), wire.size(), 1000);
    ASSERT_EQ(r.status, ParseStatus::error);
    EXPECT_EQ(r.close_code, close_code::too_big);
}

TEST(WsFrame, protocol_violations_are_errors) {
    auto error_of = [](std::string wire) {
        const ParseResult r = parse_client_frame(wire.data(), wire.size(), 1 << 20);
        return r.status == ParseStatus::error ? r.close_code : 0;
    };
    std::string unmasked = client_frame(Opcode::text, "hi");
    unmasked[1] = static_cast<char>(unmasked[1] & 0x7F);
    EXPECT_EQ(error_of(unmasked), close_code::protocol_error);

    std::string reserved = client_frame(Opcode::text, "hi");
    reserved[0] = static_cast<char>(reserved[0] | 0x40);
    EXPECT_EQ(error_of(reserved), close_code::protocol_error);

    std::string unknown = client_frame(Opcode::text, "hi");
    unknown[0] = static_cast<char>(0x83);
    EXPECT_EQ(error_of(unknown), close_code::protocol_error);

    EXPECT_EQ(error_of(client_frame(Opcode::ping, std::string(126, 'p'))),
              close_code::protocol_error);
    EXPECT_EQ(error_of(client_frame(Opcode::ping, "x", false)), close_code::protocol_error);

    std::string non_minimal = client_frame(Opcode::text, "short");
    // Re-encode a 5-byte payload with the 16-bit length form.
    std::string wire;
    wire.push_back(static_cast<char>(0x81));
    wire.push_back(static_cast<char>(0x80 | 126));
    wire.push_back(0);
    wire.push_back(5);
    wire.append(non_minimal.substr(2));
    EXPECT_EQ(error_of(wire), close_code::protocol_error);
}

TEST(WsFrame, close_frame_carries_code_and_bounded_reason) {
    const std::string frame = make_close_frame(4000, std::string(200, 'r'));
    ASSERT_EQ(frame.size(), 2U + 125U);
    EXPECT_EQ(static_cast<unsigned char>(frame[0]), 0x88);
    EXPECT_EQ(static_cast<unsigned char>(frame[2]), 4000 >> 8);
    EXPECT_EQ(static_cast<unsigned char>(frame[3]), 4000 & 0xFF);
}

TEST(WsFrame, utf8_validation_follows_rfc3629) {
    EXPECT_TRUE(valid_utf8(""));
    EXPECT_TRUE(valid_utf8("plain ascii text that is longer than eight bytes"));
    EXPECT_TRUE(valid_utf8("南京西路街道 ✓ 😀"));
    EXPECT_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
    EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));      // surrogate
    EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
    EXPECT_FALSE(valid_utf8("abc\xE4\xB8"));       // truncated at the end
    EXPECT_FALSE(valid_utf8("\x80"));              // lone continuation
    EXPECT_FALSE(valid_utf8("\xFF"));
}

TEST(WsFrame, close_codes_a_peer_may_send) {
    for (std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013,
                               1014, 3000, 3999, 4000, 4999})
        EXPECT_TRUE(valid_received_close_code(code)) << code;
    for (std::uint16_t code :
         {0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
        EXPECT_FALSE(valid_received_close_code(code)) << code;
}

}  // namespace
}  // namespace muster::net
