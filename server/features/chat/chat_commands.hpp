#pragma once
// The WebSocket commands publish and history (docs/PROTOCOL.md "Commands").

#include "features/chat/chat_tags.hpp"
#include "node/commands.hpp"
#include "node/services.hpp"

namespace muster::features::chat {

// `services` and `tags` must outlive the registry.
void register_chat_commands(node::CommandRegistry& commands, node::NodeServices& services,
                            const ChatTags& tags);

}  // namespace muster::features::chat
