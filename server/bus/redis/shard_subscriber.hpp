#pragma once
// One connection to one Redis Cluster master for sharded pub/sub: SSUBSCRIBE, SUNSUBSCRIBE and
// PING over RESP2, and every frame that comes back routed by this class (shard_frames.hpp).
//
// Why not hiredis' async API: hiredis 0.14 knows only (P)SUBSCRIBE as subscriptions. On a
// context that is not subscribed, the second reply of anything that is not a plain command
// trips its "must be subscribed" assertion; on a subscribed one, other commands' callbacks are
// filed as "invalid" (freed only by error replies) and pushes are looked up by channel name
// among the SUBSCRIBEd ones, so an "smessage" finds no callback. Here the socket is Asio's and
// hiredis only parses the bytes (redis::ReplyReader), so no frame is ever matched against
// hiredis' idea of the connection.
//
// Matching: every command sent expects exactly one answer (one channel per SSUBSCRIBE and
// SUNSUBSCRIBE: a group's channel is alone in its slot anyway), so answers are matched to a
// FIFO of the commands written, in order. An "sunsubscribe" that is not the answer to the
// oldest command is the server dropping the subscription (its slot moved away).
//
// One connection, one life: connect, setup (AUTH, CLIENT SETNAME), ready, then lost once (a
// read or write error, the server closing, a protocol error, an error to a setup command, or
// a command unanswered within command_timeout: a frozen or partitioned master). The owner
// (shard_subscriptions.hpp) reconnects by making a new one, after re-resolving the slot map.
//
// Threading: everything on the loop thread that runs `io`; handlers are called there, never
// inline from a call into this object except as noted. After close() no handler is called.
// Lifetime: shared (the pending async operations hold it); the owner drops its pointer at will.
// Memory: what is written waits in one buffer, bounded by the commands the owner sends (one
// per channel it subscribes); a reply is read into hiredis' buffer, then copied once.
// Tested against a scripted server in tests/unit/bus/shard_subscriber_test.cpp.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bus/redis/shard_frames.hpp"
#include "redis/cluster_map.hpp"
#include "redis/reply_reader.hpp"

namespace muster::bus {

struct ShardSubscriberOptions {
    redis::NodeAddress node;
    std::string user;      // AUTH user (empty: the default user)
    std::string password;  // empty: no AUTH
    std::string client_name;
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds command_timeout{2000};
};

struct ShardSubscriberHandlers {
    std::function<void()> ready;                       // set up: SSUBSCRIBE may go
    std::function<void(const std::string& why)> lost;  // once, the last handler call
    std::function<void(const std::string& channel, std::string payload)> message;
    std::function<void(const std::string& channel)> subscribed;  // SSUBSCRIBE confirmed
    // SSUBSCRIBE refused (-MOVED slot host:port when the slot is elsewhere, -CLUSTERDOWN...).
    std::function<void(const std::string& channel, const std::string& error)> refused;
    // The server ended the subscription unasked: the channel's slot left this master.
    std::function<void(const std::string& channel)> dropped;
};

class ShardSubscriber : public std::enable_shared_from_this<ShardSubscriber> {
  public:
    static std::shared_ptr<ShardSubscriber> create(boost::asio::io_context& io,
                                                   ShardSubscriberOptions options,
                                                   ShardSubscriberHandlers handlers);
    ~ShardSubscriber();
    ShardSubscriber(const ShardSubscriber&) = delete;
    ShardSubscriber& operator=(const ShardSubscriber&) = delete;

    // Connects (non-blocking; a host name is resolved by Asio's resolver, off this thread).
    void start();
    // Closes the socket; no handler is called afterwards. Idempotent.
    void close();

    [[nodiscard]] bool ready() const { return state_ == State::ready; }
    [[nodiscard]] const redis::NodeAddress& node() const { return options_.node; }

    // Ready only (false otherwise: nothing sent).
    bool ssubscribe(const std::string& channel);
    bool sunsubscribe(const std::string& channel);
    // A health probe, unless one is already waiting for its answer.
    void ping();

  private:
    enum class State : std::uint8_t { idle, connecting, setup, ready, closed };
    enum class Sent : std::uint8_t { setup, ssubscribe, sunsubscribe, ping };
    struct Pending {
        Sent what;
        std::string channel;
        std::chrono::steady_clock::time_point deadline;
    };

    ShardSubscriber(boost::asio::io_context& io, ShardSubscriberOptions options,
                    ShardSubscriberHandlers handlers);

    void connect(const boost::asio::ip::tcp::endpoint& endpoint);
    void connected();
    void send(Sent what, const std::vector<std::string>& args, std::string channel = {});
    void flush();
    void read();
    void on_frame(ShardFrame frame);
    void fail(const std::string& why);
    void arm_timer();

    const ShardSubscriberOptions options_;
    ShardSubscriberHandlers handlers_;
    boost::asio::ip::tcp::socket socket_;
    boost::asio::ip::tcp::resolver resolver_;
    boost::asio::steady_timer timer_;
    State state_ = State::idle;
    redis::ReplyReader reader_;
    std::deque<Pending> pending_;  // written, answer not read yet, in order
    std::string out_;              // to write next
    std::string writing_;          // being written
    std::vector<char> in_;
    std::chrono::steady_clock::time_point connect_deadline_;
    bool ping_pending_ = false;
};

}  // namespace muster::bus
