#pragma once
// The durable queue of push notifications still to be sent ("outbox").
//
// Features that want to reach a user with no connected device (a new duty call, a reminder)
// record an intent here; the push worker (Web Push, UnifiedPush, webhook: the push issue)
// drains it: list() the oldest intents, deliver them to the user's devices, then remove() them.
// Until that worker exists the intents simply wait, bounded by the implementation's retention
// (an outbox nobody drains must not grow without end).
//
// Implementations: SqlitePushOutbox (embedded; also joins the transactions of other SQLite
// stores so that an intent is recorded atomically with what caused it); Redis later.

#include <cstdint>
#include <string>
#include <vector>

#include "core/async.hpp"

namespace muster::push {

struct PushIntent {
    std::uint64_t id = 0;   // assigned by the outbox, ascending in enqueue order
    std::string user;       // whose devices to reach
    std::string title;      // the notification's title, shown as is
    std::string body;       // its text
    std::string data_json;  // a JSON object for the app: what to open ({"type","callId",...})
    std::int64_t created_ms = 0;
};

struct PushQuery {
    std::uint64_t after_id = 0;  // intents with a larger id
    std::uint32_t limit = 100;
    std::string user;  // empty: every user
};

class PushOutbox {
  public:
    virtual ~PushOutbox() = default;

    // Records intents (ids are assigned here). Completes once they are durable.
    virtual void enqueue(std::vector<PushIntent> intents, Done<Unit> done) = 0;
    // The oldest intents matching the query, ascending id. Does not remove them: a worker
    // that dies mid-delivery finds them again (at-least-once).
    virtual void list(PushQuery query, Done<std::vector<PushIntent>> done) = 0;
    // Forgets intents that were delivered or given up; unknown ids are ignored. Completes with
    // how many were removed.
    virtual void remove(std::vector<std::uint64_t> ids, Done<std::uint64_t> done) = 0;
};

}  // namespace muster::push
