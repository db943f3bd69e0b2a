#pragma once
// Bounds of the wire contract on what one event carries, whatever a group's size: events never
// carry lists whose length follows the number of members (docs/PROTOCOL.md, Event sizes).
// node/event_bounds checks at start that the largest event fits the outbound queue.

namespace muster::protocol {

// DutyUpdate.accepted_users and waitlisted_users, DutyReminder.users: at most this many users
// each (the first ones); the counts (accepted, waitlisted, silent) are complete, and the whole
// lists are in GET /api/v1/duty-calls/{id}.
inline constexpr int event_max_users = 100;

}  // namespace muster::protocol
