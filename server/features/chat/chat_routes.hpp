#pragma once
// Chat over HTTP (docs/PROTOCOL.md "HTTP API"):
//   POST /api/v1/groups/{group}/messages   a member -> 201 (200 for a repeated clientMsgId)
//   GET  /api/v1/groups/{group}/events     a member -> a page of the log (?after_seq,
//                                          ?before_seq, ?limit)

#include "features/chat/chat_push.hpp"
#include "features/chat/chat_tags.hpp"
#include "node/http_router.hpp"
#include "node/services.hpp"

namespace muster::features::chat {

// `services`, `tags` and `pushes` must outlive the router.
void register_chat_routes(node::HttpRouter& routes, node::NodeServices& services,
                          const ChatTags& tags, const ChatPushes& pushes);

}  // namespace muster::features::chat
