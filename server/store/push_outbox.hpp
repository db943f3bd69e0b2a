#pragma once
// The durable queue of push notifications still to be sent ("outbox").
//
// Features that want to reach a user with no connected device (a new duty call, a reminder)
// record an intent here; the push worker (push/push_worker.hpp) drains it: it claim()s the
// oldest intents (a lease per intent, written into the intent's delivery state), delivers them
// to the user's devices, then remove()s them, or update()s their state to retry later. Intents
// are bounded by the implementation's retention (an outbox nobody drains must not grow).
//
// Delivery state is opaque here: the push worker's rules (push/delivery_state.hpp) read and
// write it. A rule may run more than once for one intent and must depend on its inputs only;
// the store writes what it returns only if the state is still the one the rule saw (a SQLite
// transaction; a compare-and-swap on Redis), so two nodes never both take one lease.
//
// Implementations: SqlitePushOutbox (embedded; also joins the transactions of other SQLite
// stores so that an intent is recorded atomically with what caused it), RedisPushOutbox.
//
// A store contract, beside the device and presence stores the worker also reads: the stores
// implement it and push uses it, so push depends on store and never the other way round. Its
// names are push delivery's (namespace muster::push).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
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
    std::string state;  // delivery state (opaque here); empty until a worker claims it
};

// One notification to many users (a duty call's announcement to a whole sub-district). A store
// records it as one intent per user (ids ascending in `users` order), without a copy of the
// notification per user on the way: a fan-out of 10,000 is one notification and 10,000 names.
struct PushFanout {
    PushIntent notification;         // its `id`, `user` and `state` are ignored
    std::vector<std::string> users;  // whose devices to reach, each once

    [[nodiscard]] bool empty() const { return users.empty(); }
    // One intent per user, for a store that records intents one by one.
    [[nodiscard]] std::vector<PushIntent> intents() const {
        std::vector<PushIntent> out;
        out.reserve(users.size());
        for (const auto& user : users) {
            PushIntent intent = notification;
            intent.user = user;
            out.push_back(std::move(intent));
        }
        return out;
    }
};

// Given an intent (with its current state) and the store's clock, the state to write, or
// nothing to leave the intent alone.
using PushStateRule =
    std::function<std::optional<std::string>(const PushIntent& intent, std::int64_t now_ms)>;

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
    // Runs `rule` on the intents list(query) would return and writes the states it returns,
    // each only if that intent's state did not change meanwhile. Completes with the intents
    // written (their `state` the new one), ascending id. Intents the rule left alone, or that
    // another writer changed first, are not in the answer.
    virtual void claim(PushQuery query, PushStateRule rule, Done<std::vector<PushIntent>> done) = 0;
    // The same for the given ids (unknown ones are skipped).
    virtual void update(std::vector<std::uint64_t> ids, PushStateRule rule,
                        Done<std::vector<PushIntent>> done) = 0;
};

// Records `fanout` one chunk of at most `chunk` users (0: 1) after another, so that a fan-out to
// a large audience never makes one long write. Stops at the first chunk that fails. Completes
// with how many users' intents were recorded (all of them, or those of the chunks before the
// failure) and that failure (ok when there was none). For a feature whose intents are recorded
// after what caused them is committed (a meeting's start, a chat message); `outbox` outlives
// the call.
struct FanoutRecorded {
    std::size_t users = 0;
    Status status;
};
void enqueue_in_chunks(PushOutbox& outbox, PushFanout fanout, std::size_t chunk,
                       Done<FanoutRecorded> done);

}  // namespace muster::push
