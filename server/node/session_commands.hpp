#pragma once
// The session commands of docs/PROTOCOL.md: connect, subscribe, unsubscribe, publish, history,
// presence, refresh.

#include "node/commands.hpp"

namespace muster::node {

void register_session_commands(CommandRegistry& commands);

}  // namespace muster::node
