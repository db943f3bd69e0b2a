#pragma once
// Control messages between nodes (over Bus::publish_control): what every node must hear so that
// its caches stay right. Small JSON objects; every node, the sender included, receives them.

#include <optional>
#include <string>

namespace muster::node {

struct ControlMessage {
    // session_revoked: a device session (features/signin) has ended; its connections close
    // with 4001 on every node. feature: a feature's own message to its instances on every node
    // (NodeServices::tell_nodes), opaque to the node.
    enum class Kind : std::uint8_t {
        groups_changed,
        memberships_changed,
        session_revoked,
        feature
    };
    Kind kind = Kind::groups_changed;
    std::string user;     // memberships_changed, session_revoked: whose
    std::string session;  // session_revoked: the `sid` of the session's tokens
    std::string topic;    // feature: which handler (NodeServices::on_node_message)
    std::string data;     // feature: its bytes (base64url on the wire)
};

std::string encode_control(const ControlMessage& message);
std::optional<ControlMessage> decode_control(const std::string& text);

}  // namespace muster::node
