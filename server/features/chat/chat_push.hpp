#pragma once
// Every chat message of a group, pushed to those of its readers who asked for it and have no
// connection: the notification (kind "chat", which a device must list in its kinds: off by
// default), and how chat records it.
//
// Collapsed per group: the push worker gives chat notifications the group as collapse key
// (Web Push Topic, apns-collapse-id, FCM/HMS collapse_key and tag), so a phone shows one, the
// newest, per group however many messages came while it was away.
//
// The title is the group and the sender as people know them ("重华 · 张芳", the same in every
// language); the body is the message's text (an excerpt). `data` is what an app opens:
// {"type": "chat", "group", "seq", "groupName", "senderName"}.
//
// Who: the users with a device listing "chat" (DeviceStore::users_listing_kind, an index), less
// the sender and those this message already reached by a mention push, whose stored
// memberships let them read the group (group_readers.hpp), connected on no node
// (store::offline_among). The push worker reads each device's kinds and presence again when it
// sends. Cost per message: one read of the index; with someone listed, one read of their
// memberships and one of their presence, then one enqueue per push.outbox_chunk of them.
//
// When: after the message is committed, before publish is answered, as for mentions
// (mention_push.hpp): a node that dies in between loses the pushes, not the message; a failed
// read or enqueue is logged and costs the pushes, never the message.

#include <cstddef>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "muster/v1/event.pb.h"
#include "node/services.hpp"
#include "store/device_store.hpp"
#include "store/push_outbox.hpp"

namespace muster::features::chat {

// Where chat records its pushes. No outbox: none at all; an outbox without devices: mentions
// only (mention_push.hpp). Both outlive the node.
struct ChatPushes {
    push::PushOutbox* outbox = nullptr;
    store::DeviceStore* devices = nullptr;
};

// The device kind a user lists to be pushed every message of their groups.
inline constexpr const char* chat_push_kind = "chat";

// The most of a message's text its push carries (whole UTF-8 characters, then "…").
inline constexpr std::size_t message_excerpt_bytes = 240;

// `text` cut to at most `max_bytes` bytes on a character boundary, with "…" when cut.
std::string excerpt(const std::string& text, std::size_t max_bytes);

// The push of a committed chat message (`event`, at `event.seq()`), of `type` ("chat" or
// "mention"): title "<group> · <writer>" (`group_name` as people know it, else the id; the
// writer's name, else the id), body the text's excerpt, data {type, group, seq, groupName,
// senderName}.
push::PushIntent message_push(const muster::v1::Event& event, const std::string& group_name,
                              const char* type);

// The notification of `event` to a reader who asked for every message.
inline push::PushIntent chat_push(const muster::v1::Event& event, const std::string& group_name) {
    return message_push(event, group_name, chat_push_kind);
}

// Records chat_push for every user it is for (see above) except those in `already_pushed`.
// Completes with how many intents were recorded.
boost::asio::awaitable<std::size_t> announce_chat(node::NodeServices& services,
                                                  push::PushOutbox& outbox,
                                                  store::DeviceStore& devices,
                                                  const muster::v1::Event& event,
                                                  std::vector<std::string> already_pushed);

}  // namespace muster::features::chat
