#include "features/chat/chat_messages.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>

#include <boost/asio/use_awaitable.hpp>

#include "core/metrics.hpp"
#include "features/chat/mention_push.hpp"
#include "node/validate.hpp"

namespace muster::features::chat {

namespace asio = boost::asio;
namespace v1 = muster::v1;
using node::check_id;
using node::check_optional_id;
using node::check_text;
using node::require_role;

namespace {

metrics::Counter& mention_pushes() {
    static metrics::Counter& c = metrics::registry().counter(
        "muster_chat_mention_pushes_total",
        "Push intents recorded for users a chat message called by name who had no connection");
    return c;
}

metrics::Counter& chat_pushes() {
    static metrics::Counter& c = metrics::registry().counter(
        "muster_chat_pushes_total",
        "Push intents recorded for a chat message to readers of its group who asked for every "
        "message and had no connection");
    return c;
}

}  // namespace

asio::awaitable<Result<store::Appended>> publish_chat(node::NodeServices& services,
                                                      const ChatTags& tags,
                                                      const ChatPushes& pushes,
                                                      const node::Caller& caller, ChatPost post) {
    const auto& limits = services.config().limits;
    if (Status s = check_id("group", post.group, limits.max_id_bytes); !s) co_return s;
    if (Status s = check_optional_id("client_msg_id", post.client_msg_id, limits.max_id_bytes); !s)
        co_return s;
    if (Status s = check_optional_id("meeting_id", post.meeting_id, limits.max_id_bytes); !s)
        co_return s;
    if (Status s = check_text("text", post.text, limits.max_text_bytes, true); !s) co_return s;
    if (post.mentions.size() > limits.max_mentions) {
        co_return Status{errc::too_large, "at most " + std::to_string(limits.max_mentions) +
                                              " mentions in one message"};
    }
    for (const auto& user : post.mentions) {
        if (Status s = check_id("mentions", user, limits.max_id_bytes); !s) co_return s;
    }
    if (Status s = require_role(*services.tree(), caller, post.group, store::Role::member); !s)
        co_return s;
    if (!post.meeting_id.empty()) {
        if (const TagValidator* valid = tags.validator(TagKind::meeting)) {
            if (Status s = co_await (*valid)(post.group, post.meeting_id); !s) co_return s;
        }
    }

    store::AppendRequest request;
    auto& event = request.event;
    event.set_group(post.group);
    event.set_time_ms(services.clock().now_ms());
    event.set_sender(caller.user());
    event.set_sender_name(caller.name());
    auto* message = event.mutable_chat();
    message->set_text(std::move(post.text));
    message->set_client_msg_id(post.client_msg_id);
    message->set_meeting_id(std::move(post.meeting_id));
    std::set<std::string_view> mentioned;
    for (const auto& user : post.mentions) {
        if (mentioned.insert(user).second) message->add_mentions(user);
    }
    if (!post.client_msg_id.empty()) {
        request.idempotency_user = caller.user();
        request.idempotency_key = std::move(post.client_msg_id);
    }
    // Kept for the pushes: `request` is the log's once appended.
    std::optional<v1::Event> pushed;
    if (pushes.outbox != nullptr) pushed = event;
    Result<store::Appended> appended = co_await async_call<store::Appended>(
        [&services, &request](Done<store::Appended> done) {
            services.store().log().append(std::move(request), std::move(done));
        },
        asio::use_awaitable);
    if (appended && !appended->duplicate && pushed) {
        pushed->set_seq(appended->seq);
        std::vector<std::string> reached;  // by a mention push: no chat push besides
        if (pushed->chat().mentions_size() > 0)
            reached = co_await announce_mentions(services, *pushes.outbox, *pushed);
        mention_pushes().inc(reached.size());
        if (pushes.devices != nullptr) {
            chat_pushes().inc(co_await announce_chat(services, *pushes.outbox, *pushes.devices,
                                                     *pushed, std::move(reached)));
        }
    }
    co_return appended;
}

asio::awaitable<Result<v1::HistoryReply>> read_history(node::NodeServices& services,
                                                       const node::Caller& caller,
                                                       HistoryQuery query) {
    const auto& limits = services.config().limits;
    if (Status s = check_id("group", query.group, limits.max_id_bytes); !s) co_return s;
    if (query.after_seq && query.before_seq) {
        co_return Status{errc::invalid_argument, "give after_seq or before_seq, not both"};
    }
    if (Status s = require_role(*services.tree(), caller, query.group, store::Role::member); !s)
        co_return s;
    const std::uint32_t limit = std::min(
        query.limit == 0 ? limits.history_default_limit : query.limit, limits.history_max_limit);

    auto& log = services.store().log();
    Result<store::LogRange> range = co_await async_call<store::LogRange>(
        [&](Done<store::LogRange> done) {
            if (query.after_seq) {
                log.read_after(query.group, *query.after_seq, limit, std::move(done));
            } else {
                log.read_before(query.group, query.before_seq.value_or(store::newest), limit,
                                std::move(done));
            }
        },
        asio::use_awaitable);
    if (!range) co_return range.status();

    // Bounded in bytes too, as the asker receives them: the events nearest the anchor (the
    // oldest when paging forward, the newest otherwise) up to limits.history_max_bytes, at
    // least one. The rest is left for the next page.
    const auto& events = range->events;
    const bool forward = query.after_seq.has_value();
    std::size_t kept = 0;
    std::size_t bytes = 0;
    for (; kept < events.size(); ++kept) {
        const auto& event = events[forward ? kept : events.size() - 1 - kept];
        const std::size_t size = protocol::encode_event_frame(*event, query.encoding)->size();
        if (kept > 0 && bytes + size > limits.history_max_bytes) break;
        bytes += size;
    }
    const std::size_t first = forward ? 0 : events.size() - kept;
    v1::HistoryReply reply;
    reply.set_oldest_seq(range->oldest_seq);
    reply.set_latest_seq(range->latest_seq);
    for (std::size_t i = first; i < first + kept; ++i)
        reply.add_events()->ParseFromString(*events[i]);
    if (kept < events.size()) {
        reply.set_more(true);
        reply.set_next_seq(forward ? reply.events(reply.events_size() - 1).seq()
                                   : reply.events(0).seq());
    }
    co_return reply;
}

}  // namespace muster::features::chat
