#include "store/presence.hpp"

#include <memory>
#include <utility>

#include "core/gather.hpp"

namespace muster::store {

void PresenceStore::connected_among(std::vector<std::string> users, Done<Connected> done) {
    gather_each<bool>(
        std::move(users),
        [this](const std::string& user, Done<bool> answer) {
            is_connected(user, std::move(answer));
        },
        std::move(done));
}

void offline_among(PresenceStore& presence, std::vector<std::string> users,
                   Done<std::vector<std::string>> done) {
    if (users.empty()) {
        done(std::vector<std::string>{});
        return;
    }
    // connected_among takes its own copy: the names are kept here to answer with.
    auto names = std::make_shared<std::vector<std::string>>(std::move(users));
    presence.connected_among(
        *names, [names, done = std::move(done)](Result<PresenceStore::Connected> result) {
            std::vector<std::string> out;
            for (std::size_t i = 0; i < names->size(); ++i) {
                // A failure of the whole answer cannot happen (each user's is in its place);
                // were it to, everyone counts as offline.
                const bool online = result && i < result->size() && (*result)[i] && *(*result)[i];
                if (!online) out.push_back(std::move((*names)[i]));
            }
            done(std::move(out));
        });
}

}  // namespace muster::store
