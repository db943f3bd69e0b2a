#pragma once
// The store: everything Muster keeps, behind one interface per concern. Features see these
// interfaces only, never SQLite or hiredis.

#include "core/async.hpp"
#include "store/directory.hpp"
#include "store/event_log.hpp"
#include "store/presence.hpp"

namespace muster::store {

class Store {
  public:
    virtual ~Store() = default;

    virtual EventLog& log() = 0;
    virtual Directory& directory() = 0;
    virtual PresenceStore& presence() = 0;

    // Completes ok when the store answers (GET /readyz).
    virtual void ping(Done<Unit> done) = 0;
    // Finishes queued work, commits and releases the database. Blocks; called once at shutdown.
    virtual void close() = 0;
};

}  // namespace muster::store
