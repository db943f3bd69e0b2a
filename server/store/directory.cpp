#include "store/directory.hpp"

#include <utility>

#include "core/gather.hpp"

namespace muster::store {

std::string_view role_name(Role role) {
    switch (role) {
        case Role::member:
            return "member";
        case Role::coordinator:
            return "coordinator";
        case Role::none:
            break;
    }
    return "none";
}

bool parse_role(std::string_view name, Role& out) {
    for (Role role : {Role::none, Role::member, Role::coordinator}) {
        if (name == role_name(role)) {
            out = role;
            return true;
        }
    }
    return false;
}

void Directory::memberships_of_users(std::vector<std::string> users, Done<MembershipLists> done) {
    gather_each<std::vector<Membership>>(
        std::move(users),
        [this](const std::string& user, Done<std::vector<Membership>> answer) {
            memberships_of(user, std::move(answer));
        },
        std::move(done));
}

}  // namespace muster::store
