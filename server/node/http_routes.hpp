#pragma once
// The node's own HTTP routes (docs/PROTOCOL.md "HTTP API"): health, readiness, metrics,
// groups and members, messages and history, and the test clock.

#include "node/http_router.hpp"

namespace muster::node {

void register_core_routes(HttpRouter& router, NodeServices& services);

}  // namespace muster::node
