#include "node/commands.hpp"

#include "node/client.hpp"

namespace muster::node {

void CommandRegistry::add(muster::v1::ClientFrame::CmdCase command, CommandHandler handler) {
    handlers_[static_cast<int>(command)] = std::move(handler);
}

void CommandRegistry::add_simple(muster::v1::ClientFrame::CmdCase command, SimpleCommand handler) {
    add(command,
        [handler = std::move(handler)](
            std::shared_ptr<Client> client, std::uint32_t id,
            const muster::v1::ClientFrame& frame) -> boost::asio::awaitable<void> {
            Result<muster::v1::ServerFrame> reply = co_await handler(client, frame);
            if (reply) {
                client->reply(id, std::move(*reply));
            } else {
                client->reply_error(id, reply.status());
            }
        });
}

const CommandHandler* CommandRegistry::find(muster::v1::ClientFrame::CmdCase command) const {
    const auto it = handlers_.find(static_cast<int>(command));
    return it == handlers_.end() ? nullptr : &it->second;
}

}  // namespace muster::node
