#pragma once
// What the node's own parts need of the node beyond NodeServices: the Client (its session
// commands, subscriptions and catch-up), the HTTP router and the node's core routes. Node
// implements it. Features are given NodeServices only (Client::services() answers that too):
// nothing here is theirs to use.
//
// Threads: as NodeServices; client_closed and publish_presence on the client's loop.

#include <string>

#include "bus/bus.hpp"
#include "core/clock.hpp"
#include "core/jwt.hpp"
#include "hub/hub.hpp"
#include "net/ws_connection.hpp"
#include "node/commands.hpp"
#include "node/services.hpp"

namespace muster::node {

class NodeInternals : public NodeServices {
  public:
    // The test clock when debug.manual_clock is on, else null (POST /api/v1/debug/clock).
    virtual ManualClock* manual_clock() = 0;
    virtual bus::Bus& bus() = 0;  // its health, for /readyz
    virtual hub::Hub& hub() = 0;  // subscriptions join and leave it
    // Every token the node accepts: the external issuer's and its own (signer()).
    [[nodiscard]] virtual const JwtVerifier& verifier() const = 0;
    // The installed SessionCheck; empty when none was (see services.hpp).
    [[nodiscard]] virtual const SessionCheck& session_check() const = 0;
    [[nodiscard]] virtual const std::string& node_id() const = 0;
    [[nodiscard]] virtual const CommandRegistry& commands() const = 0;
    [[nodiscard]] virtual const net::WsLimits& ws_limits() const = 0;

    // Tells every node (this one included) that the group tree changed; `done` as
    // memberships_changed.
    virtual void groups_changed(Done<Unit> done) = 0;
    // An authenticated client is gone: runs the on_client_closed observers.
    virtual void client_closed(const Client& client) = 0;
    // A transient presence change to every subscriber of the group, on every node.
    virtual void publish_presence(const std::string& group, const std::string& user,
                                  const std::string& name, bool online) = 0;
};

}  // namespace muster::node
