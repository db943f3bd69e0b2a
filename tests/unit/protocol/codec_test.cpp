#include "protocol/codec.hpp"

#include <gtest/gtest.h>

#include "protocol/event_bytes.hpp"
#include "protocol/prepared_event.hpp"

namespace muster::protocol {
namespace {

namespace v1 = muster::v1;

// The payload of an unmasked server frame.
std::string_view payload_of(const std::string& frame) {
    const auto length = static_cast<unsigned char>(frame[1]) & 0x7F;
    const std::size_t header = length < 126 ? 2 : (length == 126 ? 4 : 10);
    return std::string_view(frame).substr(header);
}

v1::Event sample_event() {
    v1::Event event;
    event.set_group("chonghua");
    event.set_seq(42);
    event.set_time_ms(1'700'000'000'000);
    event.set_sender("wangxg");
    event.set_sender_name("王晓光");
    event.mutable_chat()->set_text("门岗今天谁值班?");
    return event;
}

TEST(Codec, json_commands_use_lower_camel_case_and_accept_strings_or_numbers_for_64_bit) {
    v1::ClientFrame frame;
    ASSERT_TRUE(decode_client_frame(R"({"id":7,"subscribe":{"group":"g","since":"12"}})", true,
                                    Encoding::json, frame));
    EXPECT_EQ(frame.id(), 7U);
    ASSERT_TRUE(frame.subscribe().has_since());
    EXPECT_EQ(frame.subscribe().since(), 12U);
    ASSERT_TRUE(
        decode_client_frame(R"({"id":8,"publish":{"group":"g","clientMsgId":"m","text":"hi"}})",
                            true, Encoding::json, frame));
    EXPECT_EQ(frame.publish().client_msg_id(), "m");
    ASSERT_TRUE(decode_client_frame(R"({"dutyRespond":{"callId":"c","answer":"ACCEPT"}})", true,
                                    Encoding::json, frame));
    EXPECT_EQ(frame.duty_respond().answer(), v1::DutyRespond::ACCEPT);
}

TEST(Codec, since_zero_is_present_and_absent_since_is_not) {
    v1::ClientFrame frame;
    ASSERT_TRUE(decode_client_frame(R"({"subscribe":{"group":"g","since":0}})", true,
                                    Encoding::json, frame));
    EXPECT_TRUE(frame.subscribe().has_since());
    ASSERT_TRUE(decode_client_frame(R"({"subscribe":{"group":"g"}})", true, Encoding::json, frame));
    EXPECT_FALSE(frame.subscribe().has_since());
}

TEST(Codec, wrong_frame_type_or_malformed_input_is_bad_frame) {
    v1::ClientFrame frame;
    EXPECT_EQ(decode_client_frame("{}", false, Encoding::json, frame).code(), errc::bad_frame);
    EXPECT_EQ(decode_client_frame("\x0a\x01", true, Encoding::binary, frame).code(),
              errc::bad_frame);
    EXPECT_EQ(decode_client_frame("{\"id\":", true, Encoding::json, frame).code(), errc::bad_frame);
    EXPECT_EQ(decode_client_frame(R"({"id":"x"})", true, Encoding::json, frame).code(),
              errc::bad_frame);
    EXPECT_EQ(decode_client_frame("\xff\xff\xff", false, Encoding::binary, frame).code(),
              errc::bad_frame);
}

TEST(Codec, recovered_false_is_printed_in_json) {
    v1::ServerFrame frame;
    frame.set_id(3);
    frame.mutable_subscribe()->set_recovered(false);
    frame.mutable_subscribe()->set_oldest_seq(5);
    const auto bytes = encode_server_frame(frame, Encoding::json);
    EXPECT_NE(std::string(payload_of(*bytes)).find(R"("recovered":false)"), std::string::npos);
    EXPECT_NE(std::string(payload_of(*bytes)).find(R"("oldestSeq":"5")"), std::string::npos);
}

TEST(Codec, event_frame_is_the_same_as_encoding_the_whole_server_frame) {
    const v1::Event event = sample_event();
    const std::string bytes = event.SerializeAsString();
    v1::ServerFrame whole;
    *whole.mutable_event() = event;
    for (Encoding encoding : {Encoding::binary, Encoding::json}) {
        EXPECT_EQ(*encode_event_frame(bytes, encoding), *encode_server_frame(whole, encoding));
    }
    // Text frames for JSON, binary frames for protobuf.
    EXPECT_EQ(static_cast<unsigned char>((*encode_event_frame(bytes, Encoding::json))[0]), 0x81);
    EXPECT_EQ(static_cast<unsigned char>((*encode_event_frame(bytes, Encoding::binary))[0]), 0x82);
}

TEST(Codec, prepared_event_frames_once_per_encoding) {
    const auto bytes = make_shared_bytes(sample_event().SerializeAsString());
    PreparedEvent prepared("chonghua", 42, bytes);
    EXPECT_EQ(prepared.frame(Encoding::binary).get(), prepared.frame(Encoding::binary).get());
    EXPECT_EQ(prepared.frame(Encoding::json).get(), prepared.frame(Encoding::json).get());
    v1::ServerFrame decoded;
    ASSERT_TRUE(
        decoded.ParseFromString(std::string(payload_of(*prepared.frame(Encoding::binary)))));
    EXPECT_EQ(decoded.event().chat().text(), "门岗今天谁值班?");
}

TEST(Codec, peek_event_seq_reads_the_seq_without_parsing) {
    EXPECT_EQ(peek_event_seq(sample_event().SerializeAsString()), 42U);
    v1::Event no_seq = sample_event();
    no_seq.clear_seq();
    EXPECT_EQ(peek_event_seq(no_seq.SerializeAsString()), 0U);
    EXPECT_EQ(peek_event_seq("\x0a\xff"), 0U);  // truncated
}

}  // namespace
}  // namespace muster::protocol
