#pragma once
// Publishing chat messages and reading history: the same rules from WebSocket and HTTP
// (docs/PROTOCOL.md `publish`, `history`, POST .../messages, GET .../events).
//
// Threads: coroutines on the asker's loop; the log answers on the store's thread and
// async_call brings the result back. Errors are Status values (never thrown).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "features/chat/chat_push.hpp"
#include "features/chat/chat_tags.hpp"
#include "muster/v1/session.pb.h"
#include "node/caller.hpp"
#include "node/services.hpp"
#include "protocol/codec.hpp"
#include "store/event_log.hpp"

namespace muster::features::chat {

struct ChatPost {
    std::string group;
    std::string text;
    std::string client_msg_id;
    std::string meeting_id;             // a tag of kind TagKind::meeting; empty: none
    std::vector<std::string> mentions;  // users called by name (mention_push.hpp)
};

// Coroutines here take structs by value. GCC 12 miscompiles an aggregate temporary passed
// by value to a coroutine (`f({a, b})`: the copy in the frame keeps pointers into the
// caller's frame); pass a named object with std::move instead.

// Appends a chat message as the caller, after the checks of docs/PROTOCOL.md: membership,
// sizes, the tag's validator (ChatTags), at most limits.max_mentions mentions (each an id;
// repeats kept once), idempotency by client_msg_id. Completes once the event is committed and
// its pushes are recorded (`pushes`): to the mentioned users with no connection
// (mention_push.hpp), then to the readers with no connection who asked for every message
// (chat_push.hpp). `services`, `tags` and `pushes` outlive the call.
boost::asio::awaitable<Result<store::Appended>> publish_chat(node::NodeServices& services,
                                                             const ChatTags& tags,
                                                             const ChatPushes& pushes,
                                                             const node::Caller& caller,
                                                             ChatPost post);

struct HistoryQuery {
    std::string group;
    std::optional<std::uint64_t> after_seq;
    std::optional<std::uint64_t> before_seq;
    std::uint32_t limit = 0;  // 0 = default
    // What the page's size is measured in: the asker's encoding (HTTP: JSON).
    protocol::Encoding encoding = protocol::Encoding::json;
};

// A page of the group's log for a member, ascending either way.
boost::asio::awaitable<Result<muster::v1::HistoryReply>> read_history(node::NodeServices& services,
                                                                      const node::Caller& caller,
                                                                      HistoryQuery query);

}  // namespace muster::features::chat
