#pragma once
// Chat over HTTP (docs/PROTOCOL.md "HTTP API"):
//   POST /api/v1/groups/{group}/messages   a member -> 201 (200 for a repeated clientMsgId)
//   GET  /api/v1/groups/{group}/events     a member -> a page of the log (?after_seq,
//                                          ?before_seq, ?limit)

#include "features/chat/chat_tags.hpp"
#include "node/http_router.hpp"
#include "node/services.hpp"
#include "store/push_outbox.hpp"

namespace muster::features::chat {

// `services`, `tags` and `outbox` (null: no mention pushes) must outlive the router.
void register_chat_routes(node::HttpRouter& routes, node::NodeServices& services,
                          const ChatTags& tags, push::PushOutbox* outbox);

}  // namespace muster::features::chat
