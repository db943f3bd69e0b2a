#pragma once
// The session commands of docs/PROTOCOL.md: connect, subscribe, unsubscribe, presence, refresh.
// (publish and history are the chat feature's: features/chat/chat_commands.hpp.)

#include "node/commands.hpp"

namespace muster::node {

void register_session_commands(CommandRegistry& commands);

}  // namespace muster::node
