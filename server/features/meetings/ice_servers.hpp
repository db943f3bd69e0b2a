#pragma once
// GET /api/v1/meetings/{id}/ice-servers: the STUN and TURN servers a participant's browser
// gives RTCPeerConnection, with TURN credentials that expire (core/turn_credentials.hpp), as
// docs/PROTOCOL.md "Meeting media" shows:
//   {"iceServers": [{"urls": ["stun:..."]},
//                   {"urls": ["turn:..."], "username": "<expiry>:<user>", "credential": "..."}],
//    "ttlS": N}
// Pure: a function of the configuration, the user and the time.

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace muster::features::meetings {

// "a, b,c" -> {"a", "b", "c"} (empty items dropped).
std::vector<std::string> split_urls(const std::string& list);

std::string ice_servers_json(const MeetingConfig& config, const std::string& user,
                             std::int64_t now_ms);

}  // namespace muster::features::meetings
