#pragma once
// What the node offers to features (chat, duty calls, meetings, sign-in, devices): exactly
// what they use, nothing of the node's own machinery (hub, bus, command table, connection
// limits: node/internal/node_internals.hpp, which features cannot include). Features are
// written against this and the store interfaces only: they never see Beast, SQLite or hiredis.
//
// Threads: every member may be called from any loop unless it says otherwise; the setters and
// observers (on_*, set_*) only at install, before the node starts.

#include <functional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/jwt.hpp"
#include "core/jwt_signer.hpp"
#include "core/timers.hpp"
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
//
// Why the node holds it and not a feature: it guards what only the node does with a token,
// `connect`, `refresh` and the Bearer check in front of every authenticated HTTP route
// (features' included: node/http_router.hpp, HttpAuth), before any feature sees the caller.
// Sign-in gives it its meaning, the node decides where it runs, so that no path that takes a
// token can skip it.
using SessionCheck = std::function<boost::asio::awaitable<Status>(Claims claims)>;

class NodeServices {
  public:
    virtual ~NodeServices() = default;

    [[nodiscard]] virtual const Config& config() const = 0;
    [[nodiscard]] virtual const Clock& clock() const = 0;
    virtual Timers& timers() = 0;  // runs callbacks on the node's first loop
    virtual store::Store& store() = 0;
    // Connected users of this node and their clients (to reach a user's connections here).
    virtual Users& users() = 0;
    // The group tree as loaded now; a snapshot that stays valid while held.
    [[nodiscard]] virtual SharedTree tree() const = 0;
    // The node's own token signer (device sessions); null when neither auth.signing_key_file
    // nor auth.jwt_secret is set (an external RS256/ES256 issuer alone).
    [[nodiscard]] virtual const JwtSigner* signer() const = 0;
    // Where users reach this server: server.public_url, else http://<listen address> (with
    // the port it bound). No trailing slash.
    [[nodiscard]] virtual std::string public_url() const = 0;

    // Tells every node (this one included) that a user's memberships changed. `done` runs once
    // this node's copy is up to date, so that a caller who answers after it is never
    // contradicted by the next request to this node.
    virtual void memberships_changed(const std::string& user, Done<Unit> done) = 0;
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
    // close attendance intervals with it). Set at install.
    virtual void on_client_closed(std::function<void(const Client&)> observer) = 0;

    // Set once, at install (see SessionCheck).
    virtual void set_session_check(SessionCheck check) = 0;
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
