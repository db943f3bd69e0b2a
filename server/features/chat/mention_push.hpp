#pragma once
// A chat message that calls people by name (Publish.mentions) is pushed to those of them with
// no connection: the notification (kind "mention"; a device may turn it off), and how chat
// records it.
//
// The texts are plain English (a fallback) beside the message's own words; `data` carries what
// the push worker renders each device's own language from (push/notification_text.hpp) and
// what an app opens: {"type": "mention", "group", "seq", "groupName", "senderName"}.
//
// Who: each mentioned user other than the sender whose stored memberships let them read the
// group (group_readers.hpp), then those connected on no node (store::offline_among). The push
// worker checks presence again when it sends. At most limits.max_mentions users, so one enqueue.
//
// When: after the message is committed, before publish is answered. A node that dies in
// between loses the pushes, not the message; a failed read or enqueue is logged and costs the
// pushes, never the message.

#include <cstddef>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "features/chat/chat_push.hpp"
#include "muster/v1/event.pb.h"
#include "node/services.hpp"
#include "store/push_outbox.hpp"

namespace muster::features::chat {

// The notification of `event` (a committed chat message at `event.seq()`) to one mentioned
// user; `group_name` as people know it.
push::PushIntent mention_push(const muster::v1::Event& event, const std::string& group_name);

// Records mention_push for every mentioned user it is for (see above). Completes with the users
// it was recorded for (a chat push to them would repeat it: chat_push.hpp leaves them out).
boost::asio::awaitable<std::vector<std::string>> announce_mentions(node::NodeServices& services,
                                                                   push::PushOutbox& outbox,
                                                                   const muster::v1::Event& event);

}  // namespace muster::features::chat
