#pragma once
// The duty-call routes of the HTTP API (docs/PROTOCOL.md "HTTP API"):
//   POST /api/v1/duty-calls                   DutyCreate -> 201 {callId, seq}
//   GET  /api/v1/duty-calls/{id}              {call, tally, responses: [{user, answer, note,
//                                             timeMs, name, waitlisted}]}
//   GET  /api/v1/duty-calls?group=G&state=S&subtree=true&limit=N
//                                             {calls: [{call, tally}]}, newest first
//   POST /api/v1/duty-calls/{id}/responses    DutyRespond (call id from the path) -> 200
//   POST /api/v1/duty-calls/{id}/close        DutyClose (call id from the path) -> 200
// Records are printed with every field, defaults included ("declined": 0, "note": ""), so
// that clients read a fixed shape.

#include "features/duty/duty_calls.hpp"
#include "node/http_router.hpp"

namespace muster::features {

// `calls` must outlive the router.
void register_duty_routes(node::HttpRouter& routes, DutyCalls& calls);

}  // namespace muster::features
