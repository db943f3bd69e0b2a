#include "bus/redis/shard_subscriber.hpp"

#include <algorithm>
#include <utility>
#include <variant>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

#include "core/log.hpp"

namespace muster::bus {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

constexpr std::size_t read_chunk = 16 * 1024;

// RESP2 array of bulk strings (binary-safe).
void append_command(std::string& out, const std::vector<std::string>& args) {
    out += '*';
    out += std::to_string(args.size());
    out += "\r\n";
    for (const auto& arg : args) {
        out += '$';
        out += std::to_string(arg.size());
        out += "\r\n";
        out += arg;
        out += "\r\n";
    }
}

}  // namespace

std::shared_ptr<ShardSubscriber> ShardSubscriber::create(asio::io_context& io,
                                                         ShardSubscriberOptions options,
                                                         ShardSubscriberHandlers handlers) {
    return std::shared_ptr<ShardSubscriber>(
        new ShardSubscriber(io, std::move(options), std::move(handlers)));
}

ShardSubscriber::ShardSubscriber(asio::io_context& io, ShardSubscriberOptions options,
                                 ShardSubscriberHandlers handlers)
    : options_(std::move(options))
    , handlers_(std::move(handlers))
    , socket_(io)
    , resolver_(io)
    , timer_(io)
    , in_(read_chunk) {}

ShardSubscriber::~ShardSubscriber() = default;

void ShardSubscriber::start() {
    if (state_ != State::idle) return;
    state_ = State::connecting;
    connect_deadline_ = steady::now() + options_.connect_timeout;
    arm_timer();
    boost::system::error_code not_numeric;
    const auto address = asio::ip::make_address(options_.node.host, not_numeric);
    if (!not_numeric) {
        connect(tcp::endpoint(address, options_.node.port));
        return;
    }
    resolver_.async_resolve(
        options_.node.host, std::to_string(options_.node.port),
        [self = shared_from_this()](const boost::system::error_code& error,
                                    const tcp::resolver::results_type& results) {
            if (self->state_ != State::connecting) return;
            if (error || results.empty()) {
                self->fail("cannot resolve " + self->options_.node.host + ": " + error.message());
                return;
            }
            self->connect(results.begin()->endpoint());
        });
}

void ShardSubscriber::connect(const tcp::endpoint& endpoint) {
    socket_.async_connect(endpoint,
                          [self = shared_from_this()](const boost::system::error_code& error) {
                              if (self->state_ != State::connecting) return;
                              if (error) {
                                  self->fail("connect: " + error.message());
                                  return;
                              }
                              self->connected();
                          });
}

void ShardSubscriber::connected() {
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    state_ = State::setup;
    read();
    if (!options_.password.empty()) {
        if (options_.user.empty()) {
            send(Sent::setup, {"AUTH", options_.password});
        } else {
            send(Sent::setup, {"AUTH", options_.user, options_.password});
        }
    }
    send(Sent::setup, {"CLIENT", "SETNAME", options_.client_name});
}

void ShardSubscriber::close() {
    if (state_ == State::closed) return;
    state_ = State::closed;
    boost::system::error_code ignored;
    resolver_.cancel();
    timer_.cancel();
    socket_.close(ignored);
    pending_.clear();
}

bool ShardSubscriber::ssubscribe(const std::string& channel) {
    if (state_ != State::ready) return false;
    send(Sent::ssubscribe, {"SSUBSCRIBE", channel}, channel);
    return true;
}

bool ShardSubscriber::sunsubscribe(const std::string& channel) {
    if (state_ != State::ready) return false;
    send(Sent::sunsubscribe, {"SUNSUBSCRIBE", channel}, channel);
    return true;
}

void ShardSubscriber::ping() {
    if (state_ != State::ready || ping_pending_) return;
    ping_pending_ = true;
    send(Sent::ping, {"PING"});
}

void ShardSubscriber::send(Sent what, const std::vector<std::string>& args, std::string channel) {
    append_command(out_, args);
    pending_.push_back({what, std::move(channel), steady::now() + options_.command_timeout});
    flush();
}

void ShardSubscriber::flush() {
    if (!writing_.empty() || out_.empty() || state_ == State::closed) return;
    writing_.swap(out_);
    asio::async_write(
        socket_, asio::buffer(writing_),
        [self = shared_from_this()](const boost::system::error_code& error, std::size_t) {
            if (self->state_ == State::closed) return;
            self->writing_.clear();
            if (error) {
                self->fail("write: " + error.message());
                return;
            }
            self->flush();
        });
}

void ShardSubscriber::read() {
    socket_.async_read_some(asio::buffer(in_), [self = shared_from_this()](
                                                   const boost::system::error_code& error,
                                                   std::size_t size) {
        if (self->state_ == State::closed) return;
        if (error) {
            self->fail(error == asio::error::eof ? std::string("the server closed the connection")
                                                 : "read: " + error.message());
            return;
        }
        if (!self->reader_.feed(self->in_.data(), size)) {
            self->fail("out of memory");
            return;
        }
        for (;;) {
            auto next = self->reader_.next();
            if (auto* broken = std::get_if<redis::ReplyReader::Broken>(&next)) {
                self->fail(broken->why);
                return;
            }
            auto* reply = std::get_if<redis::Reply>(&next);
            if (reply == nullptr) break;  // more bytes needed
            self->on_frame(classify_shard_frame(std::move(*reply)));
            if (self->state_ == State::closed) return;  // a handler closed it
        }
        self->read();
    });
}

void ShardSubscriber::on_frame(ShardFrame frame) {
    using Kind = ShardFrame::Kind;
    const bool answers = !pending_.empty();
    const Sent oldest = answers ? pending_.front().what : Sent::setup;
    switch (frame.kind) {
        case Kind::message:
            if (handlers_.message) handlers_.message(frame.channel, std::move(frame.payload));
            return;
        case Kind::subscribed:
            if (!answers || oldest != Sent::ssubscribe ||
                pending_.front().channel != frame.channel) {
                fail("an ssubscribe confirmation for " + frame.channel + " that nobody asked for");
                return;
            }
            pending_.pop_front();
            if (handlers_.subscribed) handlers_.subscribed(frame.channel);
            return;
        case Kind::unsubscribed:
            if (answers && oldest == Sent::sunsubscribe &&
                pending_.front().channel == frame.channel) {
                pending_.pop_front();
                return;
            }
            if (handlers_.dropped) handlers_.dropped(frame.channel);
            return;
        case Kind::pong:
            if (answers && oldest == Sent::ping) {
                pending_.pop_front();
                ping_pending_ = false;
            }
            return;
        case Kind::status:
            if (!answers || oldest != Sent::setup) {
                fail("an unexpected answer: " + frame.payload);
                return;
            }
            pending_.pop_front();
            if (state_ == State::setup &&
                std::none_of(pending_.begin(), pending_.end(),
                             [](const Pending& p) { return p.what == Sent::setup; })) {
                state_ = State::ready;
                if (handlers_.ready) handlers_.ready();
            }
            return;
        case Kind::error: {
            if (!answers) {
                fail("an error nobody asked for: " + frame.payload);
                return;
            }
            Pending answered = std::move(pending_.front());
            pending_.pop_front();
            switch (answered.what) {
                case Sent::ssubscribe:
                    if (handlers_.refused) handlers_.refused(answered.channel, frame.payload);
                    return;
                case Sent::sunsubscribe:
                    return;  // nothing to undo
                case Sent::setup:
                case Sent::ping:
                    fail(frame.payload);
                    return;
            }
            return;
        }
        case Kind::other:
            return;
    }
}

void ShardSubscriber::fail(const std::string& why) {
    if (state_ == State::closed) return;
    auto lost = std::move(handlers_.lost);
    close();
    MUSTER_LOG_WARN("bus") << "shard subscriber " << options_.node.str() << ": " << why;
    if (lost) lost(why);
}

void ShardSubscriber::arm_timer() {
    // Deadlines checked at a tenth of the command timeout (10-100 ms), like redis::Connection.
    const auto period = std::clamp(options_.command_timeout / 10, std::chrono::milliseconds(10),
                                   std::chrono::milliseconds(100));
    timer_.expires_after(period);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
        if (error || self->state_ == State::closed) return;
        const auto now = steady::now();
        if (self->state_ == State::connecting && now >= self->connect_deadline_) {
            self->fail("connect timed out after " +
                       std::to_string(self->options_.connect_timeout.count()) + " ms");
            return;
        }
        if (!self->pending_.empty() && self->pending_.front().deadline <= now) {
            self->fail("no answer within " +
                       std::to_string(self->options_.command_timeout.count()) + " ms");
            return;
        }
        self->arm_timer();
    });
}

}  // namespace muster::bus
