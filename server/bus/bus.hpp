#pragma once
// Fan-out of events between nodes. The bus carries what the log has already stored (and
// transient presence notices); it never decides order: log events arrive in seq order per group
// because the log publishes them in that order (SQLite: after commit, on the store thread;
// Redis: inside the append script).
//
// Implementations: LocalBus (one process) and RedisBus (Redis pub/sub, the only code besides
// the Redis store that includes hiredis).

#include <cstdint>
#include <string>

#include "core/async.hpp"
#include "core/bytes.hpp"

namespace muster::bus {

// The node's side of the bus. Called from the bus's own thread; implementations must be
// thread-safe and must not block.
class BusHandler {
  public:
    virtual ~BusHandler() = default;
    // An event of a subscribed group: a log event (seq > 0, ascending per group) or a transient
    // one (seq 0). `event` is a serialised muster.v1.Event.
    virtual void on_event(const std::string& group, std::uint64_t seq, SharedBytes event) = 0;
    // A control message for every node (node/control.hpp), including the one that sent it.
    virtual void on_control(SharedBytes message) = 0;
    // Events may have been lost (the bus reconnected): every subscription must catch up from
    // the log.
    virtual void on_bus_reset() = 0;
};

// Where a log that publishes its own events hands each committed one (the SQLite log, from
// its thread, in seq order per group): the in-process bus. An interface so that the store
// does not name the concrete bus.
class CommittedEvents {
  public:
    virtual ~CommittedEvents() = default;
    virtual void deliver(const std::string& group, std::uint64_t seq, SharedBytes event) = 0;
};

class Bus {
  public:
    virtual ~Bus() = default;

    // Set once, before the first subscribe.
    virtual void set_handler(BusHandler* handler) = 0;

    // Starts receiving the group's events. `done` runs once the subscription is active: every
    // event appended after that is delivered. Idempotent per group.
    virtual void subscribe(std::string group, Done<Unit> done) = 0;
    virtual void unsubscribe(std::string group) = 0;

    // A transient event (seq 0) to every node's subscribers of the group.
    virtual void publish_transient(std::string group, SharedBytes event) = 0;
    // A control message to every node.
    virtual void publish_control(SharedBytes message) = 0;

    // False while the bus cannot deliver (GET /readyz).
    [[nodiscard]] virtual bool healthy() const = 0;
};

}  // namespace muster::bus
