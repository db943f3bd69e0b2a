#pragma once
// One connected device: the per-connection state machine of the protocol.
//
// A Client is its WebSocket connection (it derives from net::WsConnection, so a connection is
// one allocation) and a hub subscriber. Everything here runs on the connection's loop thread.
// Lifecycle: awaiting `connect` (10 s by default) -> connected -> closed. Commands run as
// coroutines, several at once; each gets exactly one reply with its id.

#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "hub/hub_shard.hpp"
#include "net/ws_connection.hpp"
#include "node/caller.hpp"
#include "node/services.hpp"
#include "node/subscription.hpp"
#include "protocol/codec.hpp"
#include "store/event_log.hpp"

namespace muster::node {

class NodeInternals;  // node/internal/node_internals.hpp, the node's own

class Client final : public net::WsConnection, public hub::Subscriber {
  public:
    Client(NodeInternals& node, net::Loop& loop, boost::asio::ip::tcp::socket socket,
           protocol::Encoding encoding);
    ~Client() override;

    [[nodiscard]] bool authenticated() const { return authenticated_; }
    [[nodiscard]] const Caller& caller() const { return caller_; }
    [[nodiscard]] const std::string& session_id() const { return session_id_; }
    [[nodiscard]] protocol::Encoding encoding() const { return encoding_; }
    // The node as features see it, also from a const client (the node is not part of the
    // client's state).
    NodeServices& services() const;
    std::shared_ptr<Client> self() { return std::static_pointer_cast<Client>(shared_from_this()); }

    // Replies and notices.
    void reply(std::uint32_t id, muster::v1::ServerFrame frame);
    void reply_error(std::uint32_t id, const Status& status);
    void notify_error(const Status& status);  // id 0: not a reply (expiry, revoked access)
    // The device session of its token was revoked: UNAUTHENTICATED notice, close with 4001.
    void session_ended();
    // As is: `status` already passed public_status (reply_error and notify_error do that).
    void send_error(std::uint32_t id, const Status& status);

    // Session commands (node/session_commands.cpp).
    boost::asio::awaitable<void> connect(std::uint32_t id, const muster::v1::Connect& command);
    boost::asio::awaitable<void> subscribe(std::uint32_t id, const muster::v1::Subscribe& command);
    boost::asio::awaitable<Result<muster::v1::ServerFrame>> unsubscribe(
        const muster::v1::Unsubscribe& command);
    boost::asio::awaitable<Result<muster::v1::ServerFrame>> refresh(
        const muster::v1::Refresh& command);

    // The user's memberships changed (on this client's loop): re-checks every subscription.
    void set_memberships(SharedMemberships memberships);
    // The group tree changed: re-checks every subscription.
    void recheck_access();
    // The bus may have lost events: every live subscription catches up from the log.
    void resync();

  protected:
    void on_message(std::string_view payload, bool text) override;
    void on_closed() override;
    void on_tick(std::int64_t now_ms) override;
    void on_drained() override;

  private:
    // Phase one of a subscription: join the hub, read the first page (FirstPage::now), or only
    // where the log stands (FirstPage::later: catch_up reads it; connect opens many at once).
    // The reply to send.
    enum class FirstPage : std::uint8_t { now, later };
    boost::asio::awaitable<Result<muster::v1::SubscribeReply>> open_subscription(
        const muster::v1::Subscribe& command, std::vector<SharedBytes>& first_page,
        bool& page_was_full, FirstPage when = FirstPage::now);
    // Phase two: send the first page and read on until live.
    boost::asio::awaitable<void> catch_up(std::string group, std::uint32_t generation,
                                          std::vector<SharedBytes> page, bool page_was_full);
    // Until the outbound queue drains below a quarter of its bound, or wake_replays().
    boost::asio::awaitable<void> wait_drained();
    // Resumes every wait_drained() now: each replay re-checks its subscription and its room.
    void wake_replays();
    boost::asio::awaitable<void> run_command(std::uint32_t id, muster::v1::ClientFrame frame);

    void on_group_event(const protocol::SharedEvent& event) override;
    Subscription* find_subscription(const std::string& group);
    Subscription* find_subscription(const std::string& group, std::uint32_t generation);
    void drop_subscription(const std::string& group);
    void send_event_bytes(Subscription& subscription, const SharedBytes& event, std::uint64_t seq);
    bool take_token();
    // Closes with 4001, after an UNAUTHENTICATED error (the reply to command `id`, or a notice
    // with id 0), when the token has expired.
    bool token_expired(std::uint32_t id);
    void violation(const Status& status);
    void violation_counted_only();

    NodeInternals& services_;
    protocol::Encoding encoding_;
    bool authenticated_ = false;
    bool connecting_ = false;
    bool attached_ = false;  // counted in Users
    std::uint8_t violations_ = 0;
    std::uint16_t rate_strikes_ = 0;
    std::uint16_t inflight_ = 0;
    std::uint32_t next_generation_ = 1;
    double tokens_;
    std::int64_t tokens_at_ms_;
    std::int64_t opened_ms_;
    Caller caller_;
    std::string session_id_;
    std::vector<Subscription> subscriptions_;
    std::vector<boost::asio::any_completion_handler<void()>> drain_waiters_;
};

}  // namespace muster::node
