#pragma once
// Duty calls in the embedded database (the contract: features/duty/duty_store.hpp; the tables:
// sqlite_duty_rows.hpp).
//
// A change is a read job, then one write job. The read job, on the reader connection, reads the
// audience (the members of the call's target groups: 10,000 ids for a sub-district) so that the
// one writer does not spend milliseconds on it while chat commits wait. The write job loads the
// record, runs the feature's rule on it and that audience, appends the events it decided with
// SqliteEventLog::append_in_transaction, records the seqs they got in the record, writes it,
// and records the push intents (SqlitePushOutbox::enqueue_in_transaction), all in the writer's
// transaction. The writer is one thread, so two answers can never interleave: the slot count is
// exact by construction. An error from the rule or any step rolls everything back.
//
// Memory: an audience read ahead is held until its write job is done. At most
// `read_ahead_ids` member ids are held so (store.read_ahead_ids); beyond, a change reads its
// audience inside the write job, so a writer held up by the disk does not gather audiences.
//
// The audience is not version-checked, as on Redis (docs/ARCHITECTURE.md, "The tally reads
// members before the swap"): no decision depends on membership, only the `pending` count and
// who a push or a reminder names, as of the read. A call the read did not find yet, a create
// retried with other targets, or a reader that refused the job: the write job reads the
// audience itself. Changes keep the order they were asked in: the reader runs jobs one at a
// time, and each write is queued from its read's completion (a refused read queues it at
// once). Other reads run on the reader connection.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "features/duty/duty_store.hpp"
#include "sqlite/database.hpp"
#include "store/sqlite/sqlite_event_log.hpp"
#include "store/sqlite/sqlite_push_outbox.hpp"

namespace muster::store {

class SqliteDutyStore final : public features::duty::DutyStore {
  public:
    // Creates or migrates the duty tables (blocking: start-up only); throws std::runtime_error
    // when it cannot. The database must be closed before this store is destroyed.
    SqliteDutyStore(sqlite::Database& db, SqliteEventLog& log, SqlitePushOutbox& outbox,
                    std::uint64_t read_ahead_ids = StoreConfig{}.read_ahead_ids);

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

    // Member ids held by audiences read ahead whose write jobs are not done. Any thread.
    [[nodiscard]] std::uint64_t read_ahead_ids_held() const { return held_->load(); }

  private:
    // An audience read ahead, and its ids' share of the bound (given back when the last copy
    // of the write job that holds it is destroyed).
    struct ReadAhead {
        features::duty::Audience audience;
        std::shared_ptr<void> held;
    };
    // create() (the new call's targets; the call may be absent) and apply() (no targets; the
    // call must exist).
    void change(std::string call_id, std::vector<std::string> targets, bool must_exist,
                features::duty::DutyRule rule, Done<features::duty::DutyApplied> done);
    // Reads the audience of `targets`, or of the stored call's targets when `targets` is empty,
    // on the reader; `then` gets it (nullopt: the call is not there, the bound is reached, or
    // the read failed) on the reader thread, or at once on this one.
    void read_audience(std::string call_id, std::vector<std::string> targets,
                       std::function<void(std::optional<ReadAhead>)> then);
    // The rule on `record` (empty: absent, with `targets` as the new call's), in `txn`, with
    // the audience `read` ahead when it is of the call's groups (else read here).
    Result<features::duty::DutyApplied> apply_in(
        sqlite::Transaction& txn, std::optional<features::duty::StoredDutyCall> record,
        const std::vector<std::string>& targets, const features::duty::DutyRule& rule,
        std::optional<features::duty::Audience> read);

    sqlite::Database& db_;
    SqliteEventLog& log_;
    SqlitePushOutbox& outbox_;
    const std::uint64_t read_ahead_ids_;
    // Shared with the reservations, which may outlive a job's queue but not the store.
    std::shared_ptr<std::atomic<std::uint64_t>> held_ =
        std::make_shared<std::atomic<std::uint64_t>>(0);
};

}  // namespace muster::store
