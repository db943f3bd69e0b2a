#include "features/chat/chat_push.hpp"

#include <algorithm>
#include <utility>

#include <boost/json.hpp>

#include "core/async.hpp"
#include "core/log.hpp"
#include "features/chat/group_readers.hpp"

namespace muster::features::chat {

namespace json = boost::json;
namespace v1 = muster::v1;

std::string excerpt(const std::string& text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return text;
    std::size_t end = max_bytes;
    // Back to the first byte of a character: continuation bytes are 10xxxxxx.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) --end;
    return text.substr(0, end) + "…";
}

push::PushIntent message_push(const v1::Event& event, const std::string& group_name,
                              const char* type) {
    push::PushIntent intent;
    const std::string group = group_name.empty() ? event.group() : group_name;
    const std::string sender = event.sender_name().empty() ? event.sender() : event.sender_name();
    intent.title = group + " · " + sender;
    intent.body = excerpt(event.chat().text(), message_excerpt_bytes);
    json::object data{{"type", type},
                      {"group", event.group()},
                      {"seq", std::to_string(event.seq())},
                      {"groupName", group},
                      {"senderName", sender}};
    intent.data_json = json::serialize(data);
    return intent;
}

boost::asio::awaitable<std::size_t> announce_chat(node::NodeServices& services,
                                                  push::PushOutbox& outbox,
                                                  store::DeviceStore& devices,
                                                  const v1::Event& event,
                                                  std::vector<std::string> already_pushed) {
    auto listing =
        co_await co_call<std::vector<std::string>>([&devices](Done<std::vector<std::string>> done) {
            devices.users_listing_kind(chat_push_kind, std::move(done));
        });
    if (!listing) {
        MUSTER_LOG_WARN("chat") << "no chat pushes for " << event.group() << " #" << event.seq()
                                << ": " << listing.status().message();
        co_return 0;
    }
    std::sort(already_pushed.begin(), already_pushed.end());
    std::vector<std::string> wanting;
    for (auto& user : *listing) {
        if (user != event.sender() &&
            !std::binary_search(already_pushed.begin(), already_pushed.end(), user))
            wanting.push_back(std::move(user));
    }
    if (wanting.empty()) co_return 0;

    std::vector<std::string> offline =
        co_await offline_readers_among(services, std::move(wanting), event.group());
    if (offline.empty()) co_return 0;

    const auto tree = services.tree();
    const auto* group = tree->find(event.group());
    push::PushFanout fanout{chat_push(event, group != nullptr ? group->name : ""),
                            std::move(offline)};
    const std::size_t chunk = services.config().push.outbox_chunk;
    auto recorded = co_await co_call<push::FanoutRecorded>(
        [&outbox, &fanout, chunk](Done<push::FanoutRecorded> done) {
            push::enqueue_in_chunks(outbox, std::move(fanout), chunk, std::move(done));
        });
    if (!recorded) co_return 0;  // never: enqueue_in_chunks answers with what it recorded
    if (!recorded->status) {
        MUSTER_LOG_WARN("chat") << "chat pushes for " << event.group() << " #" << event.seq()
                                << ": recorded for " << recorded->users << " users, then "
                                << recorded->status.message();
    }
    co_return recorded->users;
}

}  // namespace muster::features::chat
