#pragma once
// The push outbox in the embedded database (see push/push_outbox.hpp for the contract).
//
// Other SQLite stores record intents in their own transactions (enqueue_in_transaction), so
// that a reminder and its pushes are committed together or not at all.
//
// claim() and update() run the worker's rule inside one write transaction (the embedded store
// has one writer: nothing comes between the read and the write).
//
// Retention: an outbox must stay bounded even when its pushes cannot be delivered.
// Every `sweep_interval`, a job on the writer thread deletes intents older than max_age and
// then the oldest beyond max_intents, and logs how many went.

#include <chrono>
#include <cstdint>
#include <vector>

#include "core/clock.hpp"
#include "push/push_outbox.hpp"
#include "store/push_outbox_limits.hpp"
#include "store/sqlite_database.hpp"

namespace muster::store {

class SqlitePushOutbox final : public push::PushOutbox {
  public:
    // Creates its table if needed (blocking: start-up only). Throws std::runtime_error when
    // it cannot. The database must be closed before this outbox is destroyed.
    SqlitePushOutbox(SqliteDatabase& db, const Clock& clock, PushOutboxLimits limits = {});

    void enqueue(std::vector<push::PushIntent> intents, Done<Unit> done) override;
    void list(push::PushQuery query, Done<std::vector<push::PushIntent>> done) override;
    void remove(std::vector<std::uint64_t> ids, Done<std::uint64_t> done) override;
    void claim(push::PushQuery query, push::PushStateRule rule,
               Done<std::vector<push::PushIntent>> done) override;
    void update(std::vector<std::uint64_t> ids, push::PushStateRule rule,
                Done<std::vector<push::PushIntent>> done) override;

    // Records intents inside a write job of another SQLite store (writer thread only).
    Status enqueue_in_transaction(Transaction& txn, const std::vector<push::PushIntent>& intents);

  private:
    Status sweep(Transaction& txn);

    SqliteDatabase& db_;
    const Clock& clock_;
    const PushOutboxLimits limits_;
};

}  // namespace muster::store
