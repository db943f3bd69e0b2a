#pragma once
// A Connection that pairs commands with replies.
//
// The server interleaves replies (id of the command) and pushed frames (id 0). While `call`
// waits for its reply, pushed frames are queued, and replies to other ids (pipelined commands)
// are kept: `next_event` then returns the queued events in arrival order before reading more.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "muster/connection.hpp"
#include "muster/outcome.hpp"
#include "muster/v1/frame.pb.h"

namespace muster::client {

class Session {
  public:
    explicit Session(Connection connection);
    static Outcome<Session> open(const ConnectOptions& options);

    Connection& connection() { return connection_; }
    const Connection& connection() const { return connection_; }

    // Default deadline of the calls below (10 s); it only matters when the server is silent.
    void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }
    [[nodiscard]] std::chrono::milliseconds timeout() const { return timeout_; }

    // Sends without waiting; assigns the next id when frame.id() is 0. Returns the id.
    Outcome<std::uint32_t> send(v1::ClientFrame frame);
    // The reply with that id, queueing whatever arrives before it.
    Outcome<v1::ServerFrame> await_reply(std::uint32_t id, std::chrono::milliseconds timeout);
    Outcome<v1::ServerFrame> await_reply(std::uint32_t id) { return await_reply(id, timeout_); }

    // send + await_reply. An Error reply is returned as a frame, not as a Failure.
    Outcome<v1::ServerFrame> call(v1::ClientFrame frame, std::chrono::milliseconds timeout);
    Outcome<v1::ServerFrame> call(v1::ClientFrame frame) {
        return call(std::move(frame), timeout_);
    }
    // Like call, but an Error reply is Failure::server and a reply of another kind than the
    // command is Failure::protocol.
    Outcome<v1::ServerFrame> call_checked(v1::ClientFrame frame);

    // The command's reply body, typed: session.call_as<v1::DutyCreateReply>(frame). Works for
    // every command because a reply's ServerFrame field has the command's field number.
    template <class Reply>
    Outcome<Reply> call_as(v1::ClientFrame frame) {
        auto reply = call_checked(std::move(frame));
        if (!reply) return std::move(reply).failure();
        Reply body;
        if (auto copied = reply_body(*reply, body); !copied) return std::move(copied).failure();
        return body;
    }

    // The next pushed frame (id 0): usually an event, possibly an Error (token expiry).
    Outcome<v1::ServerFrame> next_push(std::chrono::milliseconds timeout);
    // The next pushed event; a pushed Error is Failure::server.
    Outcome<v1::Event> next_event(std::chrono::milliseconds timeout);
    Outcome<v1::Event> next_event() { return next_event(timeout_); }
    // Pushed frames already received and not yet returned.
    [[nodiscard]] std::size_t queued_pushes() const { return pushes_.size(); }

    // The wire commands. Each returns the reply body; an Error reply is Failure::server.
    Outcome<v1::ConnectReply> connect(std::string token, std::vector<v1::Subscribe> resume = {},
                                      std::string client_name = "muster-client");
    Outcome<v1::SubscribeReply> subscribe(std::string group,
                                          std::optional<std::uint64_t> since = std::nullopt);
    Outcome<v1::UnsubscribeReply> unsubscribe(std::string group);
    Outcome<v1::PublishReply> publish(std::string group, std::string text,
                                      std::string client_msg_id = {}, std::string meeting_id = {});
    Outcome<v1::HistoryReply> history(v1::History request);
    Outcome<v1::HistoryReply> history(std::string group, std::optional<std::uint64_t> after_seq,
                                      std::optional<std::uint64_t> before_seq, std::uint32_t limit);
    Outcome<v1::PresenceReply> presence(std::string group);
    Outcome<v1::RefreshReply> refresh(std::string token);

    // Copies the reply's body (the field set in `reply`) into `out`; protocol failure when
    // that body is not of out's type.
    static Outcome<void> reply_body(const v1::ServerFrame& reply, google::protobuf::Message& out);

  private:
    // Reads one frame and files it: pushes_ for id 0, replies_ otherwise.
    Outcome<void> read_one(std::chrono::steady_clock::time_point deadline);

    Connection connection_;
    std::uint32_t next_id_ = 1;
    std::chrono::milliseconds timeout_{10000};
    std::deque<v1::ServerFrame> pushes_;
    std::map<std::uint32_t, v1::ServerFrame> replies_;
};

}  // namespace muster::client
