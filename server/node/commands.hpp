#pragma once
// The command table: ClientFrame.cmd case -> handler. The node registers the session
// commands (connect, subscribe, publish...), each feature its own (duty_*, meeting_*).

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

#include <boost/asio/awaitable.hpp>

#include "core/status.hpp"
#include "muster/v1/frame.pb.h"

namespace muster::node {

class Client;

// A handler replies exactly once (Client::reply or reply_error) before it finishes.
using CommandHandler = std::function<boost::asio::awaitable<void>(
    std::shared_ptr<Client>, std::uint32_t id, const muster::v1::ClientFrame&)>;

// A handler whose whole answer is its return value: the reply body, or an error.
using SimpleCommand = std::function<boost::asio::awaitable<Result<muster::v1::ServerFrame>>(
    std::shared_ptr<Client>, const muster::v1::ClientFrame&)>;

class CommandRegistry {
  public:
    void add(muster::v1::ClientFrame::CmdCase command, CommandHandler handler);
    void add_simple(muster::v1::ClientFrame::CmdCase command, SimpleCommand handler);
    [[nodiscard]] const CommandHandler* find(muster::v1::ClientFrame::CmdCase command) const;

  private:
    std::unordered_map<int, CommandHandler> handlers_;
};

}  // namespace muster::node
