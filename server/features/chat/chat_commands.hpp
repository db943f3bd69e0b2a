#pragma once
// The WebSocket commands publish and history (docs/PROTOCOL.md "Commands").

#include "features/chat/chat_tags.hpp"
#include "node/commands.hpp"
#include "node/services.hpp"
#include "store/push_outbox.hpp"

namespace muster::features::chat {

// `services`, `tags` and `outbox` (null: no mention pushes) must outlive the registry.
void register_chat_commands(node::CommandRegistry& commands, node::NodeServices& services,
                            const ChatTags& tags, push::PushOutbox* outbox);

}  // namespace muster::features::chat
