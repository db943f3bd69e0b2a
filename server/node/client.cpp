#include "node/client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "node/error_metrics.hpp"
#include "node/internal/node_internals.hpp"
#include "node/public_status.hpp"

namespace muster::node {

namespace asio = boost::asio;
namespace v1 = muster::v1;

Client::Client(NodeInternals& node, net::Loop& loop, asio::ip::tcp::socket socket,
               protocol::Encoding encoding)
    : net::WsConnection(loop, std::move(socket), node.ws_limits())
    , services_(node)
    , encoding_(encoding)
    , tokens_(node.config().limits.command_burst)
    , tokens_at_ms_(net::steady_ms())
    , opened_ms_(tokens_at_ms_) {}

Client::~Client() = default;

NodeServices& Client::services() const {
    return services_;
}

// ---- replies --------------------------------------------------------------------------------

void Client::reply(std::uint32_t id, v1::ServerFrame frame) {
    frame.set_id(id);
    auto bytes = protocol::encode_server_frame(frame, encoding_);
    // A reply that would take more than half the outbound bound (a meeting's whole state with
    // hundreds of participants, in JSON) would close the asker as a slow consumer: it gets
    // TOO_LARGE instead, and the connection lives on.
    const std::size_t room = limits().outbound_queue_bytes / 2;
    if (bytes->size() > room) {
        send_error(id,
                   {errc::too_large, "the reply is " + std::to_string(bytes->size()) +
                                         " bytes, over half of this connection's outbound "
                                         "bound (" +
                                         std::to_string(room) + "): ask over HTTP, or in pages"});
        return;
    }
    send_frame(std::move(bytes));
}

void Client::reply_error(std::uint32_t id, const Status& status) {
    send_error(id, public_status(status, "websocket command"));
}

void Client::send_error(std::uint32_t id, const Status& status) {
    count_error(status.code());
    send_frame(protocol::encode_error(id, status.code(), status.message(), encoding_));
}

void Client::notify_error(const Status& status) {
    reply_error(0, status);
}

// ---- input ----------------------------------------------------------------------------------

void Client::on_message(std::string_view payload, bool text) {
    v1::ClientFrame frame;
    if (Status decoded = protocol::decode_client_frame(payload, text, encoding_, frame); !decoded) {
        return violation(decoded);
    }
    if (!take_token()) {
        reply_error(frame.id(),
                    {errc::rate_limited,
                     "over " + std::to_string(services_.config().limits.commands_per_second) +
                         " commands per second"});
        if (++rate_strikes_ >= services_.config().limits.rate_limit_strikes) {
            close(net::close_code::rate_limited, "rate limit exceeded repeatedly");
        }
        return;
    }
    rate_strikes_ = 0;
    if (frame.cmd_case() == v1::ClientFrame::CMD_NOT_SET) {
        reply_error(frame.id(), {errc::bad_frame, "unknown or missing command"});
        return violation_counted_only();
    }
    if (!authenticated_ && frame.cmd_case() != v1::ClientFrame::kConnect) {
        reply_error(frame.id(), {errc::unauthenticated, "send connect first"});
        return violation_counted_only();
    }
    // The sweep notices an expired token within a second; a command notices it at once.
    if (authenticated_ && token_expired(frame.id())) return;
    if (++inflight_ >= services_.config().limits.max_inflight_commands) pause_reading();
    const std::uint32_t id = frame.id();
    asio::co_spawn(loop().io(), run_command(id, std::move(frame)), asio::detached);
}

asio::awaitable<void> Client::run_command(std::uint32_t id, v1::ClientFrame frame) {
    const auto keep_alive = self();
    const CommandHandler* handler = services_.commands().find(frame.cmd_case());
    if (handler == nullptr) {
        reply_error(id, {errc::bad_frame, "command not supported by this server"});
    } else {
        try {
            co_await (*handler)(keep_alive, id, frame);
        } catch (const std::exception& e) {
            // A bug: answer it as one rather than leaving the client waiting.
            MUSTER_LOG_ERROR("node") << "command " << frame.cmd_case() << " failed: " << e.what();
            reply_error(id, {errc::internal, "internal error"});
        }
    }
    if (inflight_-- == services_.config().limits.max_inflight_commands) resume_reading();
}

void Client::violation(const Status& status) {
    reply_error(0, status);
    violation_counted_only();
}

void Client::violation_counted_only() {
    if (++violations_ >= services_.config().limits.max_protocol_violations) {
        close(net::close_code::policy, "too many protocol violations");
    }
}

bool Client::take_token() {
    const auto& limits = services_.config().limits;
    const std::int64_t now = net::steady_ms();
    tokens_ =
        std::min<double>(limits.command_burst, tokens_ + static_cast<double>(now - tokens_at_ms_) *
                                                             limits.commands_per_second / 1000.0);
    tokens_at_ms_ = now;
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
}

// ---- events ---------------------------------------------------------------------------------

Subscription* Client::find_subscription(const std::string& group) {
    for (auto& s : subscriptions_) {
        if (s.group == group) return &s;
    }
    return nullptr;
}

Subscription* Client::find_subscription(const std::string& group, std::uint32_t generation) {
    Subscription* s = find_subscription(group);
    return s != nullptr && s->generation == generation ? s : nullptr;
}

void Client::on_group_event(const protocol::SharedEvent& event) {
    Subscription* s = find_subscription(event->group());
    if (s == nullptr || !is_open()) return;
    if (event->seq() == 0) {  // transient (presence): not ordered, not replayed
        if (s->state != Subscription::State::activating) send_frame(event->frame(encoding_));
        return;
    }
    if (s->state != Subscription::State::live) {
        s->live_seen = std::max(s->live_seen, event->seq());
        return;
    }
    if (event->seq() <= s->last_sent) return;  // already sent (replay overlapped)
    if (event->seq() != s->last_sent + 1) {
        // A gap while live: the bus lost something. Catch up from the log rather than skip.
        s->state = Subscription::State::recovering;
        s->live_seen = event->seq();
        asio::co_spawn(loop().io(), catch_up(s->group, s->generation, {}, true), asio::detached);
        return;
    }
    s->last_sent = event->seq();
    send_frame(event->frame(encoding_));
}

void Client::send_event_bytes(Subscription& subscription, const SharedBytes& event,
                              std::uint64_t seq) {
    if (seq <= subscription.last_sent) return;
    subscription.last_sent = seq;
    send_frame(protocol::encode_event_frame(*event, encoding_));
}

void Client::resync() {
    for (auto& s : subscriptions_) {
        if (s.state != Subscription::State::live) continue;
        s.state = Subscription::State::recovering;
        asio::co_spawn(loop().io(), catch_up(s.group, s.generation, {}, true), asio::detached);
    }
}

// ---- flow control ---------------------------------------------------------------------------

asio::awaitable<void> Client::wait_drained() {
    if (queued_bytes() <= limits().outbound_queue_bytes / 4 || !is_open()) co_return;
    co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
        [this](auto handler) {
            drain_waiters_.emplace_back(std::move(handler));
            if (drain_waiters_.size() == 1) notify_when_drained();
        },
        asio::use_awaitable);
}

void Client::on_drained() {
    wake_replays();
}

void Client::wake_replays() {
    auto waiters = std::move(drain_waiters_);
    drain_waiters_.clear();
    for (auto& waiter : waiters) {
        asio::post(loop().io(), [w = std::move(waiter)]() mutable { std::move(w)(); });
    }
}

// ---- lifecycle ------------------------------------------------------------------------------

void Client::on_tick(std::int64_t now_ms) {
    const auto& limits = services_.config().limits;
    if (!authenticated_) {
        if (now_ms - opened_ms_ >= static_cast<std::int64_t>(limits.connect_timeout_s) * 1000) {
            notify_error({errc::unauthenticated,
                          "no connect within " + std::to_string(limits.connect_timeout_s) + " s"});
            close(net::close_code::policy, "connect timeout");
        }
        return;
    }
    token_expired(0);
}

void Client::session_ended() {
    if (!is_open()) return;
    notify_error({errc::unauthenticated, "session revoked"});
    close(net::close_code::token_expired, "session revoked");
}

bool Client::token_expired(std::uint32_t id) {
    const std::int64_t expires = caller_.claims.expires_at_ms;
    if (expires == 0 || services_.clock().now_ms() < expires) return false;
    reply_error(id, {errc::unauthenticated, "token expired"});
    close(net::close_code::token_expired, "token expired");
    return true;
}

void Client::on_closed() {
    const auto keep_alive = self();
    for (auto& s : subscriptions_) {
        services_.hub().unsubscribe(loop(), s.group, this);
        if (s.presence_joined) {
            services_.store().presence().leave(
                s.group, caller_.user(),
                [&services = services_, group = s.group, user = caller_.user(),
                 name = caller_.name()](Result<bool> r) {
                    if (r && *r) services.publish_presence(group, user, name, false);
                });
        }
    }
    subscriptions_.clear();
    on_drained();  // wake replays so that they see the connection is gone and finish
    if (attached_) {
        services_.users().detach(caller_.user(), this);
        services_.store().presence().connection_closed(caller_.user());
    }
    if (authenticated_) services_.client_closed(*this);
}

}  // namespace muster::node
