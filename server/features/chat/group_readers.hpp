#pragma once
// Whom of some users a message of a group reaches by push: those whose stored memberships let
// them read the group (a member of it, or a coordinator of one of its ancestors:
// node::effective_role at least member) and who are connected on no node
// (store::offline_among). The node holds no memberships of users with no connection, so they
// are read. For the mentioned users of a message and those who asked for every message.

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "node/services.hpp"

namespace muster::features::chat {

// The offline readers of `group` among `users`, in their order: one memberships_of_users read,
// then one connected_among. A user whose memberships cannot be read is left out (no push beats
// one to someone who may not read the group); one whose presence cannot be read counts as
// offline (offline_among).
boost::asio::awaitable<std::vector<std::string>> offline_readers_among(
    node::NodeServices& services, std::vector<std::string> users, const std::string& group);

}  // namespace muster::features::chat
