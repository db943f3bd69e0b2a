#pragma once
// The media server (SFU) as the meetings feature sees it: rooms for meetings, and who may
// enter them. Implemented over Janus's HTTP API (sfu/janus_rooms.hpp) outside the feature, so
// that the feature knows nothing of HTTP.
//
// Threads: any thread may call; `done` runs exactly once, on the implementation's own thread
// (never a network loop's), or at once on the caller's when the operation is refused unqueued.
// Operations are queued in order and each is retried a bounded number of times; a full queue, a
// stopped implementation or a refusal by the SFU is an error (the Status says which). Creating a
// room that exists, or destroying or changing one that does not, is not an error: a retry after a
// lost answer must succeed.

#include <cstdint>
#include <string>
#include <vector>

#include "core/async.hpp"

namespace muster::features::meetings {

struct SfuRoom {
    std::uint64_t id = 0;              // core/sfu_token.hpp sfu_room_id()
    std::string description;           // shown by the SFU's tools (the meeting's title)
    std::vector<std::string> allowed;  // tokens admitted from the start
    std::uint32_t max_publishers = 0;  // how many may send at once
};

class SfuRooms {
  public:
    virtual ~SfuRooms() = default;

    virtual void create_room(SfuRoom room, Done<Unit> done) = 0;
    // Adds (`admit`) or removes tokens from the room's allowed list. Removing also sends out
    // whoever is in the room as `user` (the display name clients join with).
    virtual void admit(std::uint64_t room, std::vector<std::string> tokens, bool admit,
                       std::string user, Done<Unit> done) = 0;
    virtual void destroy_room(std::uint64_t room, Done<Unit> done) = 0;
};

}  // namespace muster::features::meetings
