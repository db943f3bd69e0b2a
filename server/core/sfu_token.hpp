#pragma once
// What names a meeting's Janus VideoRoom and admits its participants, derived rather than
// stored: every node computes the same room for a meeting and the same token for a participant
// from the meeting id, the user and meeting.sfu_secret, so that no node has to remember them
// and a participant who comes back gets the token they had. Pure and thread-safe.
//
// The room is a number below 2^53 (Janus rooms are numbers by default, and JavaScript reads
// them exactly up to there). The token is 32 hex digits of HMAC-SHA256(secret, room "\n" user):
// it admits that user to that room only, and cannot be made without the secret.

#include <cstdint>
#include <string>
#include <string_view>

namespace muster {

std::uint64_t sfu_room_id(std::string_view meeting_id);

std::string sfu_token(std::string_view secret, std::uint64_t room, std::string_view user);

}  // namespace muster
