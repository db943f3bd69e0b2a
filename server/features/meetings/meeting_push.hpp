#pragma once
// A meeting that starts is told by push to its group's members with no connection: the
// notification (kind "meeting"; a device may turn it off), and how the feature records it.
//
// The texts are plain English (a fallback); `data` carries what the push worker renders each
// device's own words from (push/notification_text.hpp) and what an app opens:
// {"type": "meeting", "meetingId", "group", "groupName", "meetingTitle", "startedBy"}.
//
// Who: the group's direct members (a meeting's audience, as its attendance report counts
// them) less the one who started it and those already in it, then less those connected on any
// node (store::offline_among). The push worker checks presence again when it sends.
//
// When: after the start is stored, before it is answered. The intents are enqueued in chunks
// of push.outbox_chunk, so that a large group never makes one long write. A node that dies
// between the start's write and the last chunk's loses the rest of the pushes (the start
// itself is kept, and everyone connected sees it on the log); a failed enqueue is logged and
// costs the pushes, never the start.

#include <string>

#include <boost/asio/awaitable.hpp>

#include "muster/v1/meeting.pb.h"
#include "store/push_outbox.hpp"

namespace muster::features::meetings {

class MeetingFeature;

// The notification of `state`'s start by `started_by_name`; `group_name` as people know it.
push::PushIntent start_push(const muster::v1::MeetingState& state, const std::string& group_name,
                            const std::string& started_by_name);

// Enqueues start_push for every member it is for (see above). `started_by`: the user who
// started it. Completes with how many intents were enqueued.
boost::asio::awaitable<std::size_t> announce_start(MeetingFeature& feature,
                                                   push::PushOutbox& outbox,
                                                   const muster::v1::MeetingState& state,
                                                   const std::string& started_by,
                                                   const std::string& started_by_name);

}  // namespace muster::features::meetings
