#include "store/directory.hpp"

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

}  // namespace muster::store
