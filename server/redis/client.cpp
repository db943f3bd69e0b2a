#include "redis/client.hpp"

namespace muster::redis {

Client::Client(ConnectionOptions options, RouterOptions routing)
    : loop_(options.name)
    , connection_(std::make_unique<Router>(loop_.io(), std::move(options), routing))
    , drain_timer_(loop_.io()) {}

Client::~Client() {
    close(std::chrono::milliseconds(0));
}

void Client::start() {
    loop_.post([this] { connection_->start(); });
}

void Client::command(std::vector<std::string> args, ReplyCallback done, bool wait_for_connection) {
    if (closed_) {
        done(Status(errc::unavailable, "redis store closed"));
        return;
    }
    loop_.post(
        [this, args = std::move(args), done = std::move(done), wait_for_connection]() mutable {
            connection_->command(std::move(args), std::move(done), wait_for_connection);
        });
}

void Client::run(const Script& script, std::vector<std::string> keys, std::vector<std::string> args,
                 ReplyCallback done, bool wait_for_connection) {
    if (closed_) {
        done(Status(errc::unavailable, "redis store closed"));
        return;
    }
    loop_.post([this, &script, keys = std::move(keys), args = std::move(args),
                done = std::move(done), wait_for_connection]() mutable {
        script.run(*connection_, std::move(keys), std::move(args), std::move(done),
                   wait_for_connection);
    });
}

void Client::close(std::chrono::milliseconds grace, const std::function<void()>& before) {
    if (closed_.exchange(true)) return;
    std::promise<void> drained;
    auto future = drained.get_future();
    loop_.post([this, grace, &before, &drained] {
        if (before) before();
        drain(std::chrono::steady_clock::now() + grace, &drained);
    });
    future.wait();
    loop_.stop();
}

// Polls until nothing is in flight or the grace is over: shutdown only, so a 5 ms poll costs
// less than a notification path would.
void Client::drain(std::chrono::steady_clock::time_point deadline, std::promise<void>* drained) {
    if (connection_->in_flight() == 0 || std::chrono::steady_clock::now() >= deadline) {
        connection_->stop();
        drained->set_value();
        return;
    }
    drain_timer_.expires_after(std::chrono::milliseconds(5));
    drain_timer_.async_wait(
        [this, deadline, drained](const boost::system::error_code&) { drain(deadline, drained); });
}

}  // namespace muster::redis
