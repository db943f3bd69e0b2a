#pragma once
// What a client may read of a failure. INTERNAL and UNAVAILABLE come from the store, the bus or
// a bug: their messages carry SQL, Redis replies, file paths. Clients get the code and a
// generic message; the detail goes to the node's log (warn), once per failure.
//
// Every boundary that turns a Status into an Error for a client goes through here: WebSocket
// replies and notices (node/client.cpp), resumed entries of connect, HTTP error bodies.
// Thread: any (logging is thread-safe).

#include <string_view>

#include "core/status.hpp"

namespace muster::node {

// `status` itself for the codes a client can act on (its message is written for clients);
// for INTERNAL and UNAVAILABLE the same code with a generic message, the detail logged with
// `where` (the command or route).
Status public_status(const Status& status, std::string_view where);

}  // namespace muster::node
