#include "features/chat/mention_push.hpp"

#include <memory>
#include <utility>

#include <boost/json.hpp>

#include "core/async.hpp"
#include "core/log.hpp"
#include "node/caller.hpp"
#include "store/presence.hpp"

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

push::PushIntent mention_push(const v1::Event& event, const std::string& group_name) {
    push::PushIntent intent;
    const std::string group = group_name.empty() ? event.group() : group_name;
    const std::string sender = event.sender_name().empty() ? event.sender() : event.sender_name();
    intent.title = group + " · " + sender + " mentioned you";
    intent.body = excerpt(event.chat().text(), mention_excerpt_bytes);
    json::object data{{"type", "mention"},
                      {"group", event.group()},
                      {"seq", std::to_string(event.seq())},
                      {"groupName", group},
                      {"senderName", sender}};
    intent.data_json = json::serialize(data);
    return intent;
}

namespace {

// Whether `user`'s stored memberships let them read `group` (a failed read: no).
boost::asio::awaitable<bool> may_read(node::NodeServices& services, const std::string& user,
                                      const std::string& group) {
    auto memberships = co_await co_call<std::vector<store::Membership>>(
        [&services, &user](Done<std::vector<store::Membership>> done) {
            services.store().directory().memberships_of(user, std::move(done));
        });
    if (!memberships) co_return false;
    node::Memberships roles;
    for (const auto& m : *memberships) roles[m.group] = m.role;
    node::Caller caller;
    caller.claims.subject = user;
    caller.memberships = std::make_shared<const node::Memberships>(std::move(roles));
    co_return static_cast<int>(node::effective_role(*services.tree(), caller, group)) >=
        static_cast<int>(store::Role::member);
}

}  // namespace

boost::asio::awaitable<std::size_t> announce_mentions(node::NodeServices& services,
                                                      push::PushOutbox& outbox,
                                                      const v1::Event& event) {
    std::vector<std::string> readers;
    for (const auto& user : event.chat().mentions()) {
        if (user != event.sender() && co_await may_read(services, user, event.group()))
            readers.push_back(user);
    }
    auto& presence = services.store().presence();
    auto offline = co_await co_call<std::vector<std::string>>(
        [&presence, &readers](Done<std::vector<std::string>> done) {
            store::offline_among(presence, std::move(readers), std::move(done));
        });
    if (!offline || offline->empty()) co_return 0;

    const auto tree = services.tree();
    const auto* group = tree->find(event.group());
    const push::PushFanout fanout{mention_push(event, group != nullptr ? group->name : ""),
                                  std::move(*offline)};
    std::vector<push::PushIntent> intents = fanout.intents();
    const std::size_t count = intents.size();
    auto recorded = co_await co_call<Unit>([&outbox, &intents](Done<Unit> done) {
        outbox.enqueue(std::move(intents), std::move(done));
    });
    if (!recorded) {
        MUSTER_LOG_WARN("chat") << "mention pushes for " << event.group() << " #" << event.seq()
                                << " not recorded: " << recorded.status().message();
        co_return 0;
    }
    co_return count;
}

}  // namespace muster::features::chat
