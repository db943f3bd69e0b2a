#pragma once
// Duty calls in the embedded database (the contract: features/duty/duty_store.hpp; the tables:
// sqlite_duty_rows.hpp).
//
// A change is one write job: load the record and the audience, run the feature's rule, append
// the events it decided with SqliteEventLog::append_in_transaction, record the seqs they got in
// the record, write it, and record the push intents (SqlitePushOutbox::enqueue_in_transaction),
// all in the writer's transaction. The writer is one thread, so two answers can never
// interleave: the slot count is exact by construction, and the audience is read inside the
// transaction. An error from the rule or any step rolls everything back. Reads run on the
// reader connection.

#include "features/duty/duty_store.hpp"
#include "sqlite/database.hpp"
#include "store/sqlite/sqlite_event_log.hpp"
#include "store/sqlite/sqlite_push_outbox.hpp"

namespace muster::store {

class SqliteDutyStore final : public features::duty::DutyStore {
  public:
    // Creates or migrates the duty tables (blocking: start-up only); throws std::runtime_error
    // when it cannot. The database must be closed before this store is destroyed.
    SqliteDutyStore(sqlite::Database& db, SqliteEventLog& log, SqlitePushOutbox& outbox);

    void create(std::string call_id, std::vector<std::string> targets,
                features::duty::DutyRule rule, Done<features::duty::DutyApplied> done) override;
    void apply(std::string call_id, features::duty::DutyRule rule,
               Done<features::duty::DutyApplied> done) override;
    void read(std::string call_id, Done<features::duty::DutySnapshot> done) override;
    void find(std::string call_id, Done<muster::v1::DutyCall> done) override;
    void list(features::duty::DutyListQuery query,
              Done<std::vector<features::duty::DutySnapshot>> done) override;
    void list_active(Done<std::vector<features::duty::DutyTimerState>> done) override;
    void audience(std::vector<std::string> groups, Done<std::vector<std::string>> done) override;

  private:
    // The rule on `record` (empty: absent, with `targets` as the new call's), in `txn`.
    Result<features::duty::DutyApplied> apply_in(
        sqlite::Transaction& txn, std::optional<features::duty::StoredDutyCall> record,
        const std::vector<std::string>& targets, const features::duty::DutyRule& rule);

    sqlite::Database& db_;
    SqliteEventLog& log_;
    SqlitePushOutbox& outbox_;
};

}  // namespace muster::store
