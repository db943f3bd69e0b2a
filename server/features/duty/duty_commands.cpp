#include "features/duty/duty_commands.hpp"

#include "node/client.hpp"

namespace muster::features {

namespace asio = boost::asio;
namespace v1 = muster::v1;

namespace {

// Plain functions, not coroutine lambdas: a coroutine must not depend on a lambda's captures.
asio::awaitable<Result<v1::ServerFrame>> duty_create(DutyCalls& calls,
                                                     std::shared_ptr<node::Client> client,
                                                     const v1::ClientFrame& frame) {
    auto reply = co_await calls.create(client->caller(), frame.duty_create());
    if (!reply) co_return reply.status();
    v1::ServerFrame out;
    *out.mutable_duty_create() = std::move(*reply);
    co_return out;
}

asio::awaitable<Result<v1::ServerFrame>> duty_respond(DutyCalls& calls,
                                                      std::shared_ptr<node::Client> client,
                                                      const v1::ClientFrame& frame) {
    auto reply = co_await calls.respond(client->caller(), frame.duty_respond());
    if (!reply) co_return reply.status();
    v1::ServerFrame out;
    *out.mutable_duty_respond() = std::move(*reply);
    co_return out;
}

asio::awaitable<Result<v1::ServerFrame>> duty_close(DutyCalls& calls,
                                                    std::shared_ptr<node::Client> client,
                                                    const v1::ClientFrame& frame) {
    auto reply = co_await calls.close(client->caller(), frame.duty_close());
    if (!reply) co_return reply.status();
    v1::ServerFrame out;
    *out.mutable_duty_close() = std::move(*reply);
    co_return out;
}

}  // namespace

void register_duty_commands(node::CommandRegistry& commands, DutyCalls& calls) {
    DutyCalls* c = &calls;
    commands.add_simple(v1::ClientFrame::kDutyCreate,
                        [c](std::shared_ptr<node::Client> client, const v1::ClientFrame& frame) {
                            return duty_create(*c, std::move(client), frame);
                        });
    commands.add_simple(v1::ClientFrame::kDutyRespond,
                        [c](std::shared_ptr<node::Client> client, const v1::ClientFrame& frame) {
                            return duty_respond(*c, std::move(client), frame);
                        });
    commands.add_simple(v1::ClientFrame::kDutyClose,
                        [c](std::shared_ptr<node::Client> client, const v1::ClientFrame& frame) {
                            return duty_close(*c, std::move(client), frame);
                        });
}

}  // namespace muster::features
