#include "features/chat/group_readers.hpp"

#include <memory>
#include <utility>

#include "core/async.hpp"
#include "core/log.hpp"
#include "node/caller.hpp"
#include "store/presence.hpp"

namespace muster::features::chat {

namespace {

// The readers of `group` among `users`, in their order.
boost::asio::awaitable<std::vector<std::string>> readers_among(node::NodeServices& services,
                                                               std::vector<std::string> users,
                                                               const std::string& group) {
    if (users.empty()) co_return users;
    auto& directory = services.store().directory();
    auto lists = co_await co_call<store::Directory::MembershipLists>(
        [&directory, &users](Done<store::Directory::MembershipLists> done) {
            directory.memberships_of_users(users, std::move(done));
        });
    std::vector<std::string> readers;
    if (!lists || lists->size() != users.size()) {
        MUSTER_LOG_WARN("chat") << "memberships of " << users.size() << " users in " << group
                                << " not read"
                                << (lists ? std::string() : ": " + lists.status().message());
        co_return readers;
    }
    const auto tree = services.tree();
    for (std::size_t i = 0; i < users.size(); ++i) {
        const auto& memberships = (*lists)[i];
        if (!memberships) continue;
        node::Memberships roles;
        for (const auto& m : *memberships) roles[m.group] = m.role;
        node::Caller caller;
        caller.claims.subject = users[i];
        caller.memberships = std::make_shared<const node::Memberships>(std::move(roles));
        if (static_cast<int>(node::effective_role(*tree, caller, group)) >=
            static_cast<int>(store::Role::member))
            readers.push_back(std::move(users[i]));
    }
    co_return readers;
}

}  // namespace

boost::asio::awaitable<std::vector<std::string>> offline_readers_among(
    node::NodeServices& services, std::vector<std::string> users, const std::string& group) {
    std::vector<std::string> readers = co_await readers_among(services, std::move(users), group);
    auto& presence = services.store().presence();
    auto offline = co_await co_call<std::vector<std::string>>(
        [&presence, &readers](Done<std::vector<std::string>> done) {
            store::offline_among(presence, std::move(readers), std::move(done));
        });
    co_return offline ? std::move(*offline) : std::vector<std::string>{};
}

}  // namespace muster::features::chat
