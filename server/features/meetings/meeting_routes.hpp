#pragma once
// The HTTP side of meetings:
//   GET /api/v1/meetings/{id}                          the state (members of the group)
//   GET /api/v1/meetings/{id}/attendance?format=json|csv  the report (hosts, coordinators)
//   GET /api/v1/meetings/{id}/ice-servers              STUN/TURN for WebRTC (participants)

#include "node/http_router.hpp"

namespace muster::features::meetings {

class MeetingFeature;

void register_meeting_routes(node::HttpRouter& routes, MeetingFeature& feature);

}  // namespace muster::features::meetings
