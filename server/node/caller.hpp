#pragma once
// Who is asking, and what they may do where: the same rules for WebSocket commands and HTTP
// requests (docs/PROTOCOL.md "Groups").
//
// A member (stored, or through the token's `groups` claim) may subscribe, publish, read
// history and answer duty calls in the group. A coordinator of a group is a coordinator of its
// whole subtree. A token with the `admin` role manages groups and members and counts as a
// coordinator everywhere.

#include <memory>
#include <string>
#include <unordered_map>

#include "core/jwt.hpp"
#include "core/status.hpp"
#include "node/group_tree.hpp"
#include "store/directory.hpp"

namespace muster::node {

// A user's stored memberships (direct ones), as loaded from the directory.
using Memberships = std::unordered_map<std::string, store::Role>;
using SharedMemberships = std::shared_ptr<const Memberships>;

struct Caller {
    Claims claims;
    SharedMemberships memberships;

    [[nodiscard]] const std::string& user() const { return claims.subject; }
    [[nodiscard]] const std::string& name() const { return claims.name; }
};

// The caller's role in the group, from its memberships, its ancestors' and the token.
store::Role effective_role(const GroupTree& tree, const Caller& caller, const std::string& group);

// NOT_FOUND for no such group; FORBIDDEN when the role is below `needed`.
Status require_role(const GroupTree& tree, const Caller& caller, const std::string& group,
                    store::Role needed);

}  // namespace muster::node
