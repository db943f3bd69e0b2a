#include "store/presence.hpp"

#include <cstddef>
#include <memory>
#include <utility>

#include "core/gather.hpp"

namespace muster::store {

void PresenceStore::connected_among(std::vector<std::string> users, Done<Connected> done) {
    auto asked = std::make_shared<std::vector<std::string>>(std::move(users));
    gather_each<bool>(
        asked->size(),
        [this, asked](std::size_t i, Done<bool> answer) {
            is_connected((*asked)[i], std::move(answer));
        },
        [done = std::move(done)](Connected connected) { done(std::move(connected)); });
}

}  // namespace muster::store
