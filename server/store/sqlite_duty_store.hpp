#pragma once
// Duty calls in the embedded database (see duty_store.hpp for the contract).
//
// Each change is one write job: it reads the call, decides, writes, and appends the events
// with SqliteEventLog::append_in_transaction, all in the writer's transaction. The writer is
// one thread, so two answers can never interleave: the slot count is exact by construction.
// Push intents join the same transaction (SqlitePushOutbox::enqueue_in_transaction).
// Reads (find, get, list, audience, silent) run on the reader connection.

#include "core/clock.hpp"
#include "store/duty_store.hpp"
#include "store/sqlite_database.hpp"
#include "store/sqlite_event_log.hpp"
#include "store/sqlite_push_outbox.hpp"

namespace muster::store {

class SqliteDutyStore final : public DutyStore {
  public:
    // Creates the duty tables if needed (blocking: start-up only); throws std::runtime_error
    // when it cannot. The database must be closed before this store is destroyed.
    SqliteDutyStore(SqliteDatabase& db, SqliteEventLog& log, SqlitePushOutbox& outbox,
                    const Clock& clock);

    void create(DutyCreation creation, Done<DutyCreated> done) override;
    void respond(DutyAnswer answer, Done<DutyChange> done) override;
    void close(DutyClosing closing, Done<DutyChange> done) override;
    void expire(std::string call_id, std::int64_t now_ms, Done<DutyChange> done) override;
    void remind(DutyReminding reminding, Done<DutyReminded> done) override;

    void audience(std::vector<std::string> groups, Done<std::vector<std::string>> done) override;
    void silent(std::string call_id, Done<std::vector<std::string>> done) override;
    void find(std::string call_id, Done<muster::v1::DutyCall> done) override;
    void get(std::string call_id, Done<muster::v1::DutyCallRecord> done) override;
    void list(DutyListQuery query, Done<std::vector<muster::v1::DutyCallRecord>> done) override;
    void list_active(Done<std::vector<DutyTimerState>> done) override;

  private:
    Result<DutyCreated> create_in(Transaction& txn, DutyCreation& creation);
    Result<DutyChange> respond_in(Transaction& txn, const DutyAnswer& answer);
    Result<DutyChange> close_in(Transaction& txn, const DutyClosing& closing);
    Result<DutyChange> expire_in(Transaction& txn, const std::string& call_id, std::int64_t now_ms);
    Result<DutyReminded> remind_in(Transaction& txn, const DutyReminding& reminding);

    // Runs `body` as a write job; its value goes to `done` after the commit (after the
    // deliveries of the events it appended).
    template <class T, class Body>
    void write(Done<T> done, Body body);
    template <class T, class Body>
    void read(Done<T> done, Body body);

    SqliteDatabase& db_;
    SqliteEventLog& log_;
    SqlitePushOutbox& outbox_;
    const Clock& clock_;
};

}  // namespace muster::store
