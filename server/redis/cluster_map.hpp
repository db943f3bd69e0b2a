#pragma once
// The pure parts of Redis Cluster routing, testable without a socket: which slot a command
// goes to, which node owns a slot (the map read from CLUSTER SLOTS), and what a -MOVED or
// -ASK redirection says.
//
// No state beyond the map itself; nothing here does I/O. Not thread-safe (the router owns it
// on its loop thread).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "redis/reply.hpp"

namespace muster::redis {

inline constexpr unsigned cluster_slots = 16384;

// A cluster node's address as the cluster announces it ("127.0.0.1:7001").
struct NodeAddress {
    std::string host;
    std::uint16_t port = 0;

    [[nodiscard]] std::string str() const { return host + ":" + std::to_string(port); }
    bool operator==(const NodeAddress&) const = default;
};

// The slot of the key a command is routed by: the first key (EVAL/EVALSHA: the first of
// KEYS, SPUBLISH/SSUBSCRIBE: the channel), nullopt for a command without keys (PING, SCRIPT,
// CLUSTER, PUBLISH, ...), which any node answers. A script's other keys must share the slot
// (Redis refuses it with -CROSSSLOT otherwise: see cross_slot()).
std::optional<unsigned> command_slot(const std::vector<std::string>& args);

// True when the keys of a command routed by slot do not all hash to one slot (EVAL/EVALSHA
// keys; other commands are not checked, Redis answers -CROSSSLOT itself).
bool cross_slot(const std::vector<std::string>& args);

// -MOVED <slot> <host>:<port> (the slot has a new owner: refresh the map) or -ASK <slot>
// <host>:<port> (the slot is migrating: this one command goes there, after ASKING). The
// message may carry the "redis: " prefix of error_status().
struct Redirect {
    enum class Kind : std::uint8_t { moved, ask };
    Kind kind = Kind::moved;
    unsigned slot = 0;
    NodeAddress target;
};
std::optional<Redirect> parse_redirect(std::string_view error);

// Which master serves each slot. Empty until the first successful parse.
class SlotMap {
  public:
    // From a CLUSTER SLOTS reply: [[start, end, [host, port, id, ...], replicas...], ...].
    // An empty host (a node that does not know its address) means the node answering,
    // `answered_by`. INTERNAL for a reply of another shape; the map is unchanged then.
    Status load(const Reply& slots, const NodeAddress& answered_by);

    // The master of `slot`, or nullptr when no node serves it (a cluster that is not ok).
    [[nodiscard]] const NodeAddress* owner(unsigned slot) const;
    // A -MOVED says where one slot went before the next refresh says it for all.
    void assign(unsigned slot, const NodeAddress& master);
    // Every master that serves at least one slot, in slot order, once each.
    [[nodiscard]] std::vector<NodeAddress> masters() const;
    [[nodiscard]] bool empty() const { return nodes_.empty(); }

  private:
    std::uint16_t index_of(const NodeAddress& node);

    std::vector<NodeAddress> nodes_;                      // index 0 is "nobody"
    std::array<std::uint16_t, cluster_slots> by_slot_{};  // index into nodes_
};

}  // namespace muster::redis
