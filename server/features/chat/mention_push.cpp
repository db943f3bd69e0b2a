#include "features/chat/mention_push.hpp"

#include <utility>

#include "core/async.hpp"
#include "core/log.hpp"
#include "features/chat/chat_push.hpp"
#include "features/chat/group_readers.hpp"

namespace muster::features::chat {

namespace v1 = muster::v1;

push::PushIntent mention_push(const v1::Event& event, const std::string& group_name) {
    push::PushIntent intent = message_push(event, group_name, "mention");
    intent.title += " mentioned you";
    return intent;
}

boost::asio::awaitable<std::vector<std::string>> announce_mentions(node::NodeServices& services,
                                                                   push::PushOutbox& outbox,
                                                                   const v1::Event& event) {
    std::vector<std::string> mentioned;
    for (const auto& user : event.chat().mentions()) {
        if (user != event.sender()) mentioned.push_back(user);
    }
    std::vector<std::string> offline =
        co_await offline_readers_among(services, std::move(mentioned), event.group());
    if (offline.empty()) co_return std::vector<std::string>{};

    const auto tree = services.tree();
    const auto* group = tree->find(event.group());
    push::PushFanout fanout{mention_push(event, group != nullptr ? group->name : ""),
                            std::move(offline)};
    std::vector<push::PushIntent> intents = fanout.intents();
    auto recorded = co_await co_call<Unit>([&outbox, &intents](Done<Unit> done) {
        outbox.enqueue(std::move(intents), std::move(done));
    });
    if (!recorded) {
        MUSTER_LOG_WARN("chat") << "mention pushes for " << event.group() << " #" << event.seq()
                                << " not recorded: " << recorded.status().message();
        co_return std::vector<std::string>{};
    }
    co_return std::move(fanout.users);
}

}  // namespace muster::features::chat
