#pragma once
// The WebSocket commands duty_create, duty_respond and duty_close (docs/PROTOCOL.md).

#include "features/duty/duty_calls.hpp"
#include "node/commands.hpp"

namespace muster::features {

// `calls` must outlive the registry.
void register_duty_commands(node::CommandRegistry& commands, DutyCalls& calls);

}  // namespace muster::features
