#include "redis/connection.hpp"

#include <algorithm>
#include <random>
#include <utility>

#include <boost/asio/post.hpp>
#include <hiredis/hiredis.h>

#include "core/log.hpp"
#include "core/metrics.hpp"

namespace muster::redis {

namespace asio = boost::asio;

namespace {

double unit_random() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

std::string label(const std::string& name) {
    return "connection=\"" + name + "\"";
}

std::string millis(std::chrono::milliseconds ms) {
    return std::to_string(ms.count()) + " ms";
}

}  // namespace

Connection::Connection(asio::io_context& io, ConnectionOptions options)
    : io_(io)
    , options_(std::move(options))
    , machine_(Backoff(options_.reconnect_min, options_.reconnect_max), &unit_random)
    , retry_timer_(io)
    , tick_timer_(io)
    , latency_(metrics::registry().histogram("muster_redis_command_seconds",
                                             "Round trip of a Redis command, from write to reply",
                                             metrics::latency_buckets(), label(options_.name)))
    , reconnects_(metrics::registry().counter(
          "muster_redis_reconnects_total",
          "Times a Redis connection was ready again after having been lost", label(options_.name)))
    , failures_(metrics::registry().counter(
          "muster_redis_connection_failures_total",
          "Redis connections lost or connection attempts that failed", label(options_.name)))
    , connected_(metrics::registry().gauge("muster_redis_connected",
                                           "1 while the Redis connection is ready",
                                           label(options_.name))) {}

Connection::~Connection() {
    if (context_) context_->close();
}

void Connection::start() {
    handle(ConnEvent::start, machine_.generation());
}

void Connection::stop() {
    retry_timer_.cancel();
    tick_timer_.cancel();
    ticking_ = false;
    handle(ConnEvent::stop, machine_.generation(), "connection stopped");
}

void Connection::recycle(const std::string& why) {
    handle(ConnEvent::failed, machine_.generation(), why);
}

// ---- the state machine -----------------------------------------------------------------------

void Connection::handle(ConnEvent event, std::uint64_t generation, const std::string& why) {
    const ConnState before = machine_.state();
    const ConnActions actions = machine_.on(event, generation);
    if (actions.none()) return;
    if (event == ConnEvent::failed) {
        failures_.inc();
        last_failure_ = clock::now();
        if (before == ConnState::ready) {
            MUSTER_LOG_WARN("redis")
                << options_.name << ": connection to " << options_.endpoint.describe()
                << " lost: " << why << "; reconnecting in " << millis(*actions.retry_in);
        } else if (machine_.failures() <= 1 || machine_.failures() % 10 == 0) {
            // The first failure and then every tenth: an outage does not flood the log.
            MUSTER_LOG_WARN("redis")
                << options_.name << ": cannot connect to " << options_.endpoint.describe() << " ("
                << why << ", " << machine_.failures() << " attempts); retrying in "
                << millis(*actions.retry_in);
        }
    }
    apply(actions, why);
}

void Connection::apply(const ConnActions& actions, const std::string& why) {
    if (actions.close && context_) {
        context_->close();
        context_.reset();
    }
    const std::string reason = "redis unavailable: " + (why.empty() ? std::string("?") : why);
    if (actions.fail_queued) fail_all(queued_, reason);
    if (actions.fail_sent) fail_all(sent_, reason);
    if (actions.open) open();
    if (actions.send_setup) send_setup();
    if (actions.flush_queue) {
        auto queued = std::move(queued_);
        queued_.clear();
        for (auto& pending : queued) send(std::move(pending));
    }
    if (actions.notify_ready) {
        connected_.set(1);
        if (machine_.reconnects() > 0) reconnects_.inc();
        MUSTER_LOG_INFO("redis") << options_.name << ": connected to "
                                 << options_.endpoint.describe();
        if (on_ready_) on_ready_();
    }
    if (actions.notify_down) {
        connected_.set(0);
        if (on_down_) on_down_();
    }
    if (actions.retry_in) {
        retry_timer_.expires_after(*actions.retry_in);
        retry_timer_.async_wait([this](const boost::system::error_code& error) {
            if (!error) handle(ConnEvent::retry_due, machine_.generation());
        });
    }
    if (machine_.state() != ConnState::stopped) schedule_tick();
}

void Connection::open() {
    const std::uint64_t generation = machine_.generation();
    connect_deadline_ = clock::now() + options_.connect_timeout;
    ContextHandlers handlers;
    // The handlers run inside hiredis: state changes are posted, so that the context is never
    // freed under hiredis' feet.
    handlers.connected = [this, generation](bool ok) {
        if (ok) asio::post(io_, [this, generation] { handle(ConnEvent::connected, generation); });
    };
    handlers.reply = [this, generation](std::uint64_t id, const redisReply& reply) {
        on_reply(generation, id, reply);
    };
    handlers.gone = [this, generation](const std::string& why) {
        asio::post(io_, [this, generation, why] { handle(ConnEvent::failed, generation, why); });
    };
    auto context = AsyncContext::connect(io_, options_.endpoint, std::move(handlers));
    if (!context) {
        asio::post(io_, [this, generation, why = context.status().message()] {
            handle(ConnEvent::failed, generation, why);
        });
        return;
    }
    context_ = std::move(context).value();
}

void Connection::send_setup() {
    std::vector<std::vector<std::string>> setup;
    const auto& endpoint = options_.endpoint;
    if (!endpoint.password.empty()) {
        if (endpoint.user.empty()) {
            setup.push_back({"AUTH", endpoint.password});
        } else {
            setup.push_back({"AUTH", endpoint.user, endpoint.password});
        }
    }
    if (endpoint.db != 0) setup.push_back({"SELECT", std::to_string(endpoint.db)});
    if (!options_.client_name.empty()) setup.push_back({"CLIENT", "SETNAME", options_.client_name});
    setup.insert(setup.end(), options_.setup.begin(), options_.setup.end());
    setup_left_ = setup.size();
    if (setup.empty()) {
        handle(ConnEvent::setup_done, machine_.generation());
        return;
    }
    const std::uint64_t generation = machine_.generation();
    for (auto& args : setup) {
        Pending pending;
        pending.args = std::move(args);
        const std::string what =
            pending.args[0] + (pending.args.size() > 1 ? " " + pending.args[1] : "");
        pending.done = [this, generation, what](const Result<Reply>& reply) {
            if (generation != machine_.generation()) return;
            if (!reply) {
                handle(ConnEvent::failed, generation, what + ": " + reply.status().message());
            } else if (--setup_left_ == 0) {
                handle(ConnEvent::setup_done, generation);
            }
        };
        pending.deadline = clock::now() + options_.command_timeout;
        send(std::move(pending));
    }
}

// ---- commands --------------------------------------------------------------------------------

void Connection::command(std::vector<std::string> args, ReplyCallback done,
                         bool wait_for_connection) {
    Pending pending;
    pending.args = std::move(args);
    pending.done = std::move(done);
    pending.deadline = clock::now() + options_.command_timeout;
    if (machine_.sends_commands()) {
        send(std::move(pending));
    } else if (queued_.size() < options_.max_queued &&
               (machine_.queues_commands() || (wait_for_connection && reconnect_early()))) {
        queued_.push_back(std::move(pending));
    } else {
        const char* why = machine_.queues_commands() ? "too many commands waiting for redis"
                                                     : "redis unavailable";
        fail_soon(std::move(pending.done), Status(errc::unavailable, why));
    }
}

void Connection::send(Pending pending) {
    if (!context_ || !context_->is_open()) {
        fail_soon(std::move(pending.done), Status(errc::unavailable, "redis unavailable"));
        return;
    }
    pending.id = next_id_++;
    if (!context_->command(pending.id, pending.args)) {
        fail_soon(std::move(pending.done),
                  Status(errc::unavailable, "redis refused the command (connection closing)"));
        return;
    }
    pending.args.clear();
    pending.args.shrink_to_fit();
    pending.sent_at = clock::now();
    sent_.push_back(std::move(pending));
}

bool Connection::reconnect_early() {
    if (machine_.state() != ConnState::waiting) return false;
    if (clock::now() - last_failure_ < options_.reconnect_min) return false;
    retry_timer_.cancel();
    handle(ConnEvent::retry_due, machine_.generation());
    return machine_.queues_commands();
}

bool Connection::send_subscription(const std::vector<std::string>& args) {
    if (!machine_.sends_commands() || !context_) return false;
    return context_->command(0, args);
}

void Connection::on_reply(std::uint64_t generation, std::uint64_t id, const redisReply& reply) {
    if (generation != machine_.generation()) return;
    if (id == 0) {
        if (on_push_) on_push_(copy_reply(reply));
        return;
    }
    // Replies come in order; a reply for a command that is no longer first was failed already.
    if (sent_.empty() || sent_.front().id != id) return;
    Pending pending = std::move(sent_.front());
    sent_.pop_front();
    latency_.observe(std::chrono::duration<double>(clock::now() - pending.sent_at).count());
    if (reply.type == REDIS_REPLY_ERROR) {
        pending.done(error_status(std::string_view(reply.str, reply.len)));
    } else {
        pending.done(copy_reply(reply));
    }
}

void Connection::fail_all(std::deque<Pending>& queue, const std::string& why) {
    auto failing = std::move(queue);
    queue.clear();
    for (auto& pending : failing) pending.done(Status(errc::unavailable, why));
}

void Connection::fail_soon(ReplyCallback done, Status status) {
    asio::post(io_, [done = std::move(done), status = std::move(status)] { done(status); });
}

// ---- timeouts --------------------------------------------------------------------------------

void Connection::schedule_tick() {
    if (ticking_) return;
    ticking_ = true;
    // Timeouts are checked at a tenth of the command timeout (10-100 ms): a command fails at
    // most that much later than its deadline, and an idle connection wakes up 10 times a second.
    const auto period = std::clamp(options_.command_timeout / 10, std::chrono::milliseconds(10),
                                   std::chrono::milliseconds(100));
    tick_timer_.expires_after(period);
    tick_timer_.async_wait([this](const boost::system::error_code& error) {
        ticking_ = false;
        if (error || machine_.state() == ConnState::stopped) return;
        tick();
        if (machine_.state() != ConnState::stopped) schedule_tick();
    });
}

void Connection::tick() {
    const auto now = clock::now();
    while (!queued_.empty() && queued_.front().deadline <= now) {
        Pending pending = std::move(queued_.front());
        queued_.pop_front();
        pending.done(Status(errc::unavailable,
                            "redis: no connection within " + millis(options_.command_timeout)));
    }
    if (machine_.state() == ConnState::connecting && now >= connect_deadline_) {
        handle(ConnEvent::failed, machine_.generation(),
               "connect timed out after " + millis(options_.connect_timeout));
        return;
    }
    if (!sent_.empty() && sent_.front().deadline <= now) {
        handle(ConnEvent::failed, machine_.generation(),
               "no reply within " + millis(options_.command_timeout));
    }
}

}  // namespace muster::redis
