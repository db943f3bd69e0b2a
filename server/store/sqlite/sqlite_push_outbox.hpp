#pragma once
// The push outbox in the embedded database (see store/push_outbox.hpp for the contract).
//
// Other SQLite stores record intents in their own transactions (enqueue_in_transaction), so
// that a reminder and its pushes are committed together or not at all.
//
// claim() and update() run the worker's rule inside one write transaction (the embedded store
// has one writer: nothing comes between the read and the write).
//
// Large fan-outs: the embedded store has one writer, and a chat message's commit waits for
// whatever transaction is running. So enqueue_in_transaction() writes at most `limits.chunk`
// intents as rows; the rest of a larger fan-out (a duty call to a whole sub-district) goes
// into a few compact spill rows in the same transaction (durable with what caused it), and
// expand() turns them into outbox rows one chunk per transaction, each queued after the last
// commits, so that other writers' jobs come between. Spill rows left by a stop are expanded
// after the next start; an expansion deferred by a full queue resumes at the next claim().
// Spilled intents reach list() and claim() a few transactions later than the first chunk.
//
// Retention: an outbox must stay bounded even when its pushes cannot be delivered.
// Every `sweep_interval`, a job on the writer thread deletes intents older than max_age and
// then the oldest beyond max_intents, and logs how many went.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/clock.hpp"
#include "sqlite/database.hpp"
#include "store/push_outbox.hpp"
#include "store/push_outbox_limits.hpp"

namespace muster::store {

class SqlitePushOutbox final : public push::PushOutbox {
  public:
    // Creates its table if needed (blocking: start-up only). Throws std::runtime_error when
    // it cannot. The database must be closed before this outbox is destroyed.
    SqlitePushOutbox(sqlite::Database& db, const Clock& clock, PushOutboxLimits limits = {});

    void enqueue(std::vector<push::PushIntent> intents, Done<Unit> done) override;
    void list(push::PushQuery query, Done<std::vector<push::PushIntent>> done) override;
    void remove(std::vector<std::uint64_t> ids, Done<std::uint64_t> done) override;
    void claim(push::PushQuery query, push::PushStateRule rule,
               Done<std::vector<push::PushIntent>> done) override;
    void update(std::vector<std::uint64_t> ids, push::PushStateRule rule,
                Done<std::vector<push::PushIntent>> done) override;

    // Records intents inside a write job of another SQLite store (writer thread only).
    Status enqueue_in_transaction(sqlite::Transaction& txn,
                                  const std::vector<push::PushIntent>& intents);
    // The same for one notification to many users: the first chunk as rows, the rest spilled
    // straight from the list of users (no intent per user is built).
    Status enqueue_in_transaction(sqlite::Transaction& txn, const push::PushFanout& fanout);

  private:
    // What claim() or update() runs the rule on: read inside the write transaction.
    using Selection = std::function<Result<std::vector<push::PushIntent>>(sqlite::Transaction&)>;

    // claim() and update(): the worker's rule on the selected intents and the states it
    // returns written, in one write job (relaxed durability: a lost state is a re-sent push).
    void write_states(Selection select, push::PushStateRule rule,
                      Done<std::vector<push::PushIntent>> done);
    Status sweep(sqlite::Transaction& txn);
    // Queues the expansion of the oldest spill row unless one is queued already. Any thread.
    void expand();
    // Writer thread: one spill row into outbox rows; on commit, queues the next.
    Status expand_one(sqlite::Transaction& txn);

    sqlite::Database& db_;
    const Clock& clock_;
    const PushOutboxLimits limits_;
    std::atomic<bool> expanding_{false};     // an expansion job is queued or running
    std::atomic<bool> spill_pending_{true};  // spill rows may be waiting (unknown at start)
};

}  // namespace muster::store
