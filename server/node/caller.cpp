#include "node/caller.hpp"

namespace muster::node {

using store::Role;

Role effective_role(const GroupTree& tree, const Caller& caller, const std::string& group) {
    if (!tree.contains(group)) return Role::none;
    if (caller.claims.is_admin()) return Role::coordinator;
    Role role = Role::none;
    if (caller.memberships) {
        if (const auto it = caller.memberships->find(group); it != caller.memberships->end())
            role = it->second;
    }
    if (role == Role::none && caller.claims.has_group(group)) role = Role::member;
    if (role == Role::coordinator || !caller.memberships) return role;
    for (const auto& ancestor : tree.ancestors(group)) {
        const auto it = caller.memberships->find(ancestor);
        if (it != caller.memberships->end() && it->second == Role::coordinator)
            return Role::coordinator;
    }
    return role;
}

Status require_role(const GroupTree& tree, const Caller& caller, const std::string& group,
                    Role needed) {
    if (!tree.contains(group)) return {errc::not_found, "no such group: " + group};
    const Role role = effective_role(tree, caller, group);
    if (static_cast<int>(role) >= static_cast<int>(needed)) return {};
    return {errc::forbidden, needed == Role::coordinator ? "coordinators only in group " + group
                                                         : "not a member of group " + group};
}

}  // namespace muster::node
