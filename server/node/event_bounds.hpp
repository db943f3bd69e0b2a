#pragma once
// The largest event of each type that the configured limits allow, and the start-up check that
// it fits the outbound queue well (a quarter of limits.outbound_queue_bytes, where a paused
// replay resumes): an event larger than the queue would close every subscriber with 4000, again
// on each resume (a poison event). Sizes are measured by encoding a worst-case event in both
// encodings: free text made of control characters (6 bytes each in JSON), ids and names at
// their maximum, lists at the most the rules allow (events never carry lists whose length
// follows a group's size: meeting updates carry the change, duty events at most
// protocol::event_max_users users).
//
// Thread: start-up only.

#include <cstddef>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/status.hpp"

namespace muster::node {

struct EventBound {
    std::string type;             // the Event payload: chat, duty_call, meeting, ...
    std::size_t proto_bytes = 0;  // the whole WebSocket frame, binary encoding
    std::size_t json_bytes = 0;   // the whole WebSocket frame, JSON encoding
};

// One entry per event type, the worst case under `config`.
std::vector<EventBound> largest_events(const Config& config);

// INVALID_ARGUMENT naming the event type, its size and the limits to change when the largest
// event of some type exceeds a quarter of limits.outbound_queue_bytes in either encoding.
Status check_event_bounds(const Config& config);

}  // namespace muster::node
