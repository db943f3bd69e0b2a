#pragma once
// Control messages between nodes (over Bus::publish_control): what every node must hear so that
// its caches stay right. Small JSON objects; every node, the sender included, receives them.

#include <optional>
#include <string>

namespace muster::node {

struct ControlMessage {
    enum class Kind : std::uint8_t { groups_changed, memberships_changed };
    Kind kind = Kind::groups_changed;
    std::string user;  // memberships_changed: whose
};

std::string encode_control(const ControlMessage& message);
std::optional<ControlMessage> decode_control(const std::string& text);

}  // namespace muster::node
