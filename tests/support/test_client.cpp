#include "support/test_client.hpp"

#include <atomic>

#include "muster/codec.hpp"

namespace muster::test {

namespace {

using clock = std::chrono::steady_clock;

std::chrono::milliseconds remaining(clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    return left.count() > 0 ? left : std::chrono::milliseconds{0};
}

client::ConnectOptions connect_options(const ServerProcess& server, const ClientOptions& options) {
    auto connect = server.connect_options(options.encoding);
    connect.receive_buffer_bytes = options.receive_buffer_bytes;
    connect.headers = options.headers;
    return connect;
}

}  // namespace

TestClient::TestClient(client::Session session, std::string user)
    : session_(std::move(session)), user_(std::move(user)) {}

TestClient TestClient::open(const ServerProcess& server, ClientOptions options, where_t where) {
    auto session = client::Session::open(connect_options(server, options));
    if (!session) {
        fail_test("cannot open a WebSocket to musterd at " + server.endpoint() + ": " +
                      session.failure().describe(),
                  where);
    }
    return TestClient(std::move(session).value());
}

TestClient TestClient::connect(const ServerProcess& server, const std::string& user,
                               ClientOptions options, where_t where) {
    TestClient client = open(server, options, where);
    client.user_ = user;
    std::string token = options.token;
    if (token.empty()) {
        client::TokenSpec spec;
        spec.user = user;
        spec.name = options.name;
        spec.roles = options.roles;
        spec.groups = options.groups;
        spec.ttl = options.ttl;
        token = server.token(spec);
    }
    client.send_connect(token, std::move(options.resume), where);
    return client;
}

std::string TestClient::describe(std::string_view expected, const client::Failure& failure) const {
    std::string who = user_.empty() ? std::string("client") : "client '" + user_ + "'";
    return who + " expected " + std::string(expected) + ", got " + failure.describe();
}

v1::ServerFrame TestClient::expect_reply(v1::ClientFrame frame, where_t where) {
    auto reply = session_.call_checked(std::move(frame));
    if (!reply) fail_test(describe("the reply", reply.failure()), where);
    return std::move(reply).value();
}

v1::Error TestClient::expect_error(v1::ClientFrame frame, v1::Error::Code code, where_t where) {
    const std::string expected = "error " + v1::Error::Code_Name(code);
    auto reply = session_.call(std::move(frame));
    if (!reply) fail_test(describe(expected, reply.failure()), where);
    if (!reply->has_error()) {
        fail_test(describe(expected, client::Failure::make(client::Failure::Kind::protocol,
                                                           client::to_json(*reply))),
                  where);
    }
    if (reply->error().code() != code) {
        fail_test(describe(expected, client::Failure::from_error(reply->error())), where);
    }
    return reply->error();
}

v1::ConnectReply TestClient::send_connect(const std::string& token,
                                          std::vector<v1::Subscribe> resume, where_t where) {
    auto reply = session_.connect(token, std::move(resume), "muster-test");
    if (!reply) fail_test(describe("a connect reply", reply.failure()), where);
    connect_reply_ = *reply;
    if (user_.empty()) user_ = reply->user_id();
    return std::move(reply).value();
}

v1::SubscribeReply TestClient::subscribe(const std::string& group,
                                         std::optional<std::uint64_t> since, where_t where) {
    auto reply = session_.subscribe(group, since);
    if (!reply) fail_test(describe("a subscribe reply for " + group, reply.failure()), where);
    return std::move(reply).value();
}

v1::UnsubscribeReply TestClient::unsubscribe(const std::string& group, where_t where) {
    auto reply = session_.unsubscribe(group);
    if (!reply) fail_test(describe("an unsubscribe reply for " + group, reply.failure()), where);
    return std::move(reply).value();
}

v1::PublishReply TestClient::publish(const std::string& group, const std::string& text,
                                     const std::string& client_msg_id, where_t where) {
    auto reply = session_.publish(group, text, client_msg_id);
    if (!reply) fail_test(describe("a publish reply in " + group, reply.failure()), where);
    return std::move(reply).value();
}

v1::HistoryReply TestClient::history(const std::string& group,
                                     std::optional<std::uint64_t> after_seq,
                                     std::optional<std::uint64_t> before_seq, std::uint32_t limit,
                                     where_t where) {
    auto reply = session_.history(group, after_seq, before_seq, limit);
    if (!reply) fail_test(describe("a history reply for " + group, reply.failure()), where);
    return std::move(reply).value();
}

v1::PresenceReply TestClient::presence(const std::string& group, where_t where) {
    auto reply = session_.presence(group);
    if (!reply) fail_test(describe("a presence reply for " + group, reply.failure()), where);
    return std::move(reply).value();
}

v1::Event TestClient::next_event(std::chrono::milliseconds timeout, where_t where) {
    auto event = session_.next_event(timeout);
    if (!event) fail_test(describe("an event", event.failure()), where);
    return std::move(event).value();
}

v1::Event TestClient::next_log_event(std::chrono::milliseconds timeout, where_t where) {
    const auto deadline = clock::now() + timeout;
    for (;;) {
        auto event = session_.next_event(remaining(deadline));
        if (!event) fail_test(describe("an event", event.failure()), where);
        if (event->seq() != 0) return std::move(event).value();  // presence notices are transient
    }
}

v1::Event TestClient::expect_chat(const std::string& group, const std::string& text,
                                  where_t where) {
    auto event = next_log_event(default_wait, where);
    if (event.group() != group || !event.has_chat() || event.chat().text() != text) {
        fail_test(describe("chat \"" + text + "\" in " + group,
                           client::Failure::make(client::Failure::Kind::protocol,
                                                 "event " + client::to_json(event))),
                  where);
    }
    return event;
}

std::string TestClient::expect_quiet(TestClient& via, const std::string& group, where_t where) {
    static std::atomic<unsigned> counter{0};
    const std::string marker = "quiet-marker-" + std::to_string(++counter);
    via.publish(group, marker, {}, where);
    auto event = next_log_event(default_wait, where);
    if (event.group() != group || !event.has_chat() || event.chat().text() != marker) {
        fail_test("client '" + user_ + "' expected nothing before the marker \"" + marker +
                      "\" in " + group + ", got event " + client::to_json(event),
                  where);
    }
    return marker;
}

client::CloseInfo TestClient::expect_closed(std::uint16_t code, std::chrono::milliseconds timeout,
                                            where_t where) {
    const auto deadline = clock::now() + timeout;
    const std::string expected = "the server to close with " + std::to_string(code);
    for (;;) {
        auto frame = session_.next_push(remaining(deadline));
        if (frame) continue;  // what the server sent before closing
        const auto& failure = frame.failure();
        if (failure.is(client::Failure::Kind::decode)) continue;
        if (!failure.is(client::Failure::Kind::closed))
            fail_test(describe(expected, failure), where);
        if (failure.close_code != code) fail_test(describe(expected, failure), where);
        return {failure.close_code, failure.close_reason};
    }
}

void TestClient::send_raw(std::string_view bytes, client::FrameType type, where_t where) {
    if (auto sent = session_.connection().send_raw(bytes, type); !sent) {
        fail_test(describe("to send a raw frame", sent.failure()), where);
    }
}

}  // namespace muster::test
