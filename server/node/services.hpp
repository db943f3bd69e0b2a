#pragma once
// What the node offers to clients and features. Features (duty calls, meetings) are written
// against this and the store interfaces only: they never see Beast, SQLite or hiredis.

#include <functional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "bus/bus.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/jwt.hpp"
#include "core/jwt_signer.hpp"
#include "core/timers.hpp"
#include "hub/hub.hpp"
#include "net/ws_connection.hpp"
#include "node/caller.hpp"
#include "node/commands.hpp"
#include "node/group_tree.hpp"
#include "node/users.hpp"
#include "store/store.hpp"

namespace muster::node {

class Client;
class HttpRouter;

// Checks a token that names a device session (`sid`, issued by sign-in): ok while the session
// lives, UNAUTHENTICATED once it has ended. The sign-in feature installs it; without one, such
// tokens are taken on their signature alone.
using SessionCheck = std::function<boost::asio::awaitable<Status>(Claims claims)>;

class NodeServices {
  public:
    virtual ~NodeServices() = default;

    [[nodiscard]] virtual const Config& config() const = 0;
    [[nodiscard]] virtual const Clock& clock() const = 0;
    // The test clock when debug.manual_clock is on, else null.
    virtual ManualClock* manual_clock() = 0;
    virtual Timers& timers() = 0;  // runs callbacks on the node's first loop
    virtual store::Store& store() = 0;
    virtual bus::Bus& bus() = 0;
    virtual hub::Hub& hub() = 0;
    virtual Users& users() = 0;
    [[nodiscard]] virtual SharedTree tree() const = 0;
    // Every token the node accepts: the external issuer's and its own (signer()).
    [[nodiscard]] virtual const JwtVerifier& verifier() const = 0;
    // The node's own token signer (device sessions); null when neither auth.signing_key_file
    // nor auth.jwt_secret is set (an external RS256/ES256 issuer alone).
    [[nodiscard]] virtual const JwtSigner* signer() const = 0;
    // Where users reach this server: server.public_url, else http://<listen address> (with
    // the port it bound). No trailing slash.
    [[nodiscard]] virtual std::string public_url() const = 0;
    [[nodiscard]] virtual const std::string& node_id() const = 0;
    [[nodiscard]] virtual const CommandRegistry& commands() const = 0;
    [[nodiscard]] virtual const net::WsLimits& ws_limits() const = 0;

    // Tells every node (this one included) that a user's memberships, or the group tree,
    // changed. `done` runs once this node's copy is up to date, so that a caller who answers
    // after it is never contradicted by the next request to this node.
    virtual void memberships_changed(const std::string& user, Done<Unit> done) = 0;
    virtual void groups_changed(Done<Unit> done) = 0;
    // Tells every node (this one included) that a device session ended: the connections that
    // authenticated with its tokens get UNAUTHENTICATED and close with 4001.
    virtual void session_revoked(const std::string& user, const std::string& session) = 0;

    // A feature's message to its instances on every node, this one included (over the bus's
    // control channel: every node gets every message, so for small and rare traffic such as
    // WebRTC signalling). Handlers run on the bus's thread (this node's: at once, inside the
    // call) and must not block.
    virtual void tell_nodes(const std::string& topic, std::string data) = 0;
    // Set at install, one handler per topic.
    virtual void on_node_message(std::string topic,
                                 std::function<void(const std::string& data)> handler) = 0;

    // Observers called on the client's loop when an authenticated client is gone (meetings
    // close attendance intervals with it).
    virtual void on_client_closed(std::function<void(const Client&)> observer) = 0;
    virtual void client_closed(const Client& client) = 0;

    // A transient presence change to every subscriber of the group, on every node.
    virtual void publish_presence(const std::string& group, const std::string& user,
                                  const std::string& name, bool online) = 0;

    // Set once, at install (see SessionCheck).
    virtual void set_session_check(SessionCheck check) = 0;
    [[nodiscard]] virtual const SessionCheck& session_check() const = 0;
};

// A feature adds commands and HTTP routes, and may run timers; installed before the node starts.
class Feature {
  public:
    virtual ~Feature() = default;
    virtual void install(NodeServices& services, CommandRegistry& commands, HttpRouter& routes) = 0;
    // After the store is open, before clients are accepted (rebuild timers from the store).
    virtual void start() {}
    // Before the store closes.
    virtual void stop() {}
};

}  // namespace muster::node
