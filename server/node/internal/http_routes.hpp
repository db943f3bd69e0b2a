#pragma once
// The node's own HTTP routes (docs/PROTOCOL.md "HTTP API"): health, readiness, metrics,
// groups and members, and the test clock. (Messages and history are the chat feature's:
// features/chat/chat_routes.hpp.)

#include "node/http_router.hpp"
#include "node/internal/node_internals.hpp"

namespace muster::node {

void register_core_routes(HttpRouter& router, NodeInternals& node);

}  // namespace muster::node
