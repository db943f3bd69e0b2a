#pragma once
// A WebSocket client for integration tests: muster_client's Session with gtest-friendly
// failures. Every method that expects something ends the test (fail.hpp) at the caller's line
// when it does not happen, so a test reads as a plain sequence of steps:
//
//   auto alice = TestClient::connect(server, "alice");
//   auto bob = TestClient::connect(server, "bob");
//   bob.subscribe("g1");
//   const auto seq = alice.publish("g1", "hello").seq();
//   EXPECT_EQ(bob.expect_chat("g1", "hello").seq(), seq);
//
// Waiting: every wait has a generous deadline (default_wait) that only matters when the
// server is broken; no test sleeps.
//
// Asserting that NOTHING arrives (no duplicate after a resume, no event for an unsubscribed
// group): do the action, then publish a marker after it and check that the next event is the
// marker, with expect_quiet(). Events travel in order per group, so anything the action
// wrongly caused would arrive before the marker:
//
//   bob.unsubscribe("g1");
//   alice.publish("g1", "not for bob");
//   alice.publish("g2", "x");             // bob is still subscribed to g2
//   bob.expect_quiet(alice, "g2");         // marker in g2: nothing from g1 came first
//
// The marker is an ordinary chat message: every subscriber of that group receives it (the
// publisher too when subscribed); consume it there with expect_chat(..., marker) or use
// next_log_event() knowing it is there. Presence events (seq 0) are skipped by default.

#include <chrono>
#include <cstdint>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "muster/session.hpp"
#include "support/fail.hpp"
#include "support/server_process.hpp"

namespace muster::test {

// The deadline of every wait, when not given: long, because it only runs out on failure.
inline constexpr std::chrono::milliseconds default_wait{15000};

struct ClientOptions {
    client::Encoding encoding = client::Encoding::proto;
    std::string name;                 // display name claim; empty = the user id
    std::vector<std::string> roles;   // e.g. {"admin"}
    std::vector<std::string> groups;  // the token's groups claim
    std::chrono::seconds ttl{3600};
    std::string token;                  // connect with this token instead of minting one
    std::vector<v1::Subscribe> resume;  // Connect.resume
    int receive_buffer_bytes = 0;       // small: a slow consumer fills its server queue sooner
    std::vector<std::pair<std::string, std::string>> headers;  // extra handshake headers
};

class TestClient {
  public:
    using where_t = std::source_location;

    // WebSocket open + `connect` as `user` with a token signed by the server's secret.
    static TestClient connect(const ServerProcess& server, const std::string& user,
                              ClientOptions options = {}, where_t where = where_t::current());
    // WebSocket only, no `connect`: tests of what comes before or instead of it.
    static TestClient open(const ServerProcess& server, ClientOptions options = {},
                           where_t where = where_t::current());

    explicit TestClient(client::Session session, std::string user = {});

    [[nodiscard]] const std::string& user() const { return user_; }
    [[nodiscard]] const v1::ConnectReply& connect_reply() const { return connect_reply_; }
    client::Session& session() { return session_; }
    client::Connection& connection() { return session_.connection(); }

    // `frame`'s reply, which must be of the command's own kind (not an Error).
    v1::ServerFrame expect_reply(v1::ClientFrame frame, where_t where = where_t::current());
    // The same, typed: alice.expect_reply<v1::DutyCreateReply>(frame).
    template <class Reply>
    Reply expect_reply(v1::ClientFrame frame, where_t where = where_t::current()) {
        auto reply = session_.call_as<Reply>(std::move(frame));
        if (!reply) fail_test(describe("the reply", reply.failure()), where);
        return std::move(reply).value();
    }
    // `frame`'s reply, which must be an Error with `code`.
    v1::Error expect_error(v1::ClientFrame frame, v1::Error::Code code,
                           where_t where = where_t::current());

    // The common commands; an Error reply ends the test.
    v1::ConnectReply send_connect(const std::string& token, std::vector<v1::Subscribe> resume = {},
                                  where_t where = where_t::current());
    v1::SubscribeReply subscribe(const std::string& group,
                                 std::optional<std::uint64_t> since = std::nullopt,
                                 where_t where = where_t::current());
    v1::UnsubscribeReply unsubscribe(const std::string& group, where_t where = where_t::current());
    v1::PublishReply publish(const std::string& group, const std::string& text,
                             const std::string& client_msg_id = {},
                             where_t where = where_t::current());
    v1::HistoryReply history(const std::string& group, std::optional<std::uint64_t> after_seq,
                             std::optional<std::uint64_t> before_seq, std::uint32_t limit = 0,
                             where_t where = where_t::current());
    v1::PresenceReply presence(const std::string& group, where_t where = where_t::current());

    // The next pushed event, whatever it is.
    v1::Event next_event(std::chrono::milliseconds timeout = default_wait,
                         where_t where = where_t::current());
    // The next event on a group's log: presence (seq 0) is skipped.
    v1::Event next_log_event(std::chrono::milliseconds timeout = default_wait,
                             where_t where = where_t::current());
    // The next log event, which must be a chat message with this text in this group.
    v1::Event expect_chat(const std::string& group, const std::string& text,
                          where_t where = where_t::current());
    // Nothing (but presence) arrived since the last event consumed: `via` publishes a unique
    // marker in `group`, which this client must be subscribed to, and the next log event
    // here must be that marker. Returns the marker's text.
    std::string expect_quiet(TestClient& via, const std::string& group,
                             where_t where = where_t::current());
    // Reads until the server closes the connection, discarding what comes before; the close
    // code must be `code`. Returns the code and reason.
    client::CloseInfo expect_closed(std::uint16_t code,
                                    std::chrono::milliseconds timeout = default_wait,
                                    where_t where = where_t::current());

    void send_raw(std::string_view bytes, client::FrameType type,
                  where_t where = where_t::current());
    // A polite close (1000) / a vanished client (TCP drop, no close frame).
    void close() { (void)session_.connection().close(); }
    void abort() { session_.connection().abort(); }

  private:
    [[nodiscard]] std::string describe(std::string_view expected,
                                       const client::Failure& failure) const;

    client::Session session_;
    std::string user_;
    v1::ConnectReply connect_reply_;
};

}  // namespace muster::test
