// Bad input gets a clear error and never a crash or a hang; the connection is closed only when
// the stream is unusable or the client keeps misbehaving.

#include "muster/http.hpp"
#include "raw_socket.hpp"
#include "session_fixture.hpp"

namespace muster::test {
namespace {

class MalformedTest : public SessionTest {};

v1::Error next_error(TestClient& client) {
    auto push = client.session().next_push(default_wait);
    if (!push || !push->has_error()) fail_test("expected an error notice");
    return push->error();
}

TEST_P(MalformedTest, garbage_gets_bad_frame_and_the_connection_stays_usable) {
    start();
    group_with("g", {"alice"});
    auto alice = TestClient::connect(server(), "alice");
    alice.send_raw("\xff\xff\xff\x01", client::FrameType::binary);
    EXPECT_EQ(next_error(alice).code(), v1::Error::BAD_FRAME);
    alice.send_raw(R"({"id":1})", client::FrameType::text);  // text on a binary connection
    EXPECT_EQ(next_error(alice).code(), v1::Error::BAD_FRAME);
    alice.expect_error(v1::ClientFrame{}, v1::Error::BAD_FRAME);  // no command at all
    alice.subscribe("g");
    alice.publish("g", "still fine");
    alice.expect_chat("g", "still fine");
}

TEST_P(MalformedTest, json_with_wrong_types_or_unknown_commands_is_bad_frame) {
    start();
    auto alice = TestClient::connect(server(), "alice", {.encoding = client::Encoding::json});
    alice.send_raw(R"({"id":5,"publish":{"group":{"not":"a string"}}})", client::FrameType::text);
    EXPECT_EQ(next_error(alice).code(), v1::Error::BAD_FRAME);
    alice.send_raw(R"({"id":6,"fly":{"to":"moon"}})", client::FrameType::text);
    auto reply = alice.session().await_reply(6);
    ASSERT_TRUE(reply) << reply.failure().describe();
    EXPECT_EQ(reply->error().code(), v1::Error::BAD_FRAME);
    alice.send_raw("[1,2,", client::FrameType::text);
    EXPECT_EQ(next_error(alice).code(), v1::Error::BAD_FRAME);
}

TEST_P(MalformedTest, repeated_violations_close_with_1008) {
    start({"--limits.max_protocol_violations=3"});
    auto alice = TestClient::connect(server(), "alice");
    for (int i = 0; i < 3; ++i) alice.send_raw("\xff\xff", client::FrameType::binary);
    alice.expect_closed(1008);
}

TEST_P(MalformedTest, invalid_utf8_text_closes_with_1007) {
    start();
    auto alice = TestClient::connect(server(), "alice", {.encoding = client::Encoding::json});
    alice.send_raw("{\"id\":1,\"publish\":{\"text\":\"\xC0\xAF\"}}", client::FrameType::text);
    alice.expect_closed(1007);
}

TEST_P(MalformedTest, unmasked_client_frame_closes_with_1002) {
    start();
    RawSocket raw(server().host(), server().port());
    ASSERT_NE(raw.handshake().find("101 Switching Protocols"), std::string::npos);
    ASSERT_TRUE(raw.send(std::string("\x81\x02{}", 4)));  // no mask bit
    bool eof = false;
    const std::string received = raw.read_until_eof(std::chrono::seconds(30), eof);
    EXPECT_EQ(RawSocket::close_code_in(received), 1002);
}

TEST_P(MalformedTest, bad_ids_and_empty_text_are_invalid_arguments) {
    start();
    group_with("g", {"alice"});
    auto alice = TestClient::connect(server(), "alice");
    alice.expect_error(subscribe_frame("bad group/../x"), v1::Error::INVALID_ARGUMENT);
    alice.expect_error(subscribe_frame(""), v1::Error::INVALID_ARGUMENT);
    alice.expect_error(publish_frame("g", ""), v1::Error::INVALID_ARGUMENT);
    v1::ClientFrame history;
    history.mutable_history()->set_group("g");
    history.mutable_history()->set_after_seq(1);
    history.mutable_history()->set_before_seq(5);
    alice.expect_error(history, v1::Error::INVALID_ARGUMENT);
}

TEST_P(MalformedTest, http_errors_are_json_with_fitting_status) {
    start();
    group_with("g", {"alice"});
    const auto token = server().token("alice");
    auto bad_json = http_call(server(), "POST", "/api/v1/groups/g/messages", "{not json", token);
    EXPECT_EQ(bad_json.status, 400);
    EXPECT_NE(bad_json.body.find(R"("code":"INVALID_ARGUMENT")"), std::string::npos);
    EXPECT_EQ(http_call(server(), "GET", "/api/v1/nothing-here", {}, token).status, 404);
    EXPECT_EQ(http_call(server(), "PATCH", "/api/v1/groups/g/messages", "{}", token).status, 405);
    EXPECT_EQ(http_call(server(), "GET", "/api/v1/groups/g/events?after_seq=abc", {}, token).status,
              400);

    // A WebSocket upgrade with the wrong version.
    client::HttpRequest upgrade;
    upgrade.host = server().host();
    upgrade.port = server().port();
    upgrade.method = "GET";
    upgrade.target = "/ws";
    upgrade.headers = {{"Upgrade", "websocket"},
                       {"Connection", "Upgrade"},
                       {"Sec-WebSocket-Version", "8"},
                       {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};
    auto refused = client::http_request(upgrade);
    ASSERT_TRUE(refused) << refused.failure().describe();
    EXPECT_EQ(refused->status, 400);
    EXPECT_NE(refused->body.find("13"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, MalformedTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test
