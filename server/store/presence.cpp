#include "store/presence.hpp"

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

}  // namespace muster::store
