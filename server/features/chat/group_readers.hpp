#pragma once
// Who of some users may read a group by their stored memberships: a member of the group, or a
// coordinator of one of its ancestors (node::effective_role at least member). For pushes to
// users with no connection, whose memberships the node does not hold: the mentioned users of
// a message and those who asked for every message of their groups.

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "node/services.hpp"

namespace muster::features::chat {

// The readers of `group` among `users`, in their order: one memberships_of_users read. A user
// whose memberships cannot be read is left out (no push beats one to someone who may not
// read the group); a failed read of all of them leaves everyone out.
boost::asio::awaitable<std::vector<std::string>> readers_among(node::NodeServices& services,
                                                               std::vector<std::string> users,
                                                               const std::string& group);

}  // namespace muster::features::chat
