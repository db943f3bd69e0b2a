#pragma once
// The WebSocket commands publish and history (docs/PROTOCOL.md "Commands").

#include "features/chat/chat_push.hpp"
#include "features/chat/chat_tags.hpp"
#include "node/commands.hpp"
#include "node/services.hpp"

namespace muster::features::chat {

// `services`, `tags` and `pushes` must outlive the registry.
void register_chat_commands(node::CommandRegistry& commands, node::NodeServices& services,
                            const ChatTags& tags, const ChatPushes& pushes);

}  // namespace muster::features::chat
