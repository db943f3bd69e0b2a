#pragma once
// Meetings in the embedded SQLite database (see features/meetings/meeting_store.hpp for the
// contract).
//
// Tables (created here with CREATE TABLE IF NOT EXISTS, not by the shared schema migrations,
// so that features add tables without contending for the schema version):
//   meetings            one row per meeting: the serialised MeetingRecord, phase and group
//   meeting_attendance  one row per closed attendance interval
// Every operation is a job on the database's writer (changes) or reader (reads) thread; a
// change and its MeetingUpdate event commit in the same transaction (append_in_transaction),
// and the event is delivered to the bus before `done` is called.

#include "core/clock.hpp"
#include "features/meetings/meeting_store.hpp"
#include "sqlite/database.hpp"
#include "store/sqlite/sqlite_event_log.hpp"

namespace muster::store {

class SqliteMeetingStore final : public features::meetings::MeetingStore {
  public:
    // Creates the tables if needed, blocking until they exist: start-up only. Throws
    // std::runtime_error when it cannot. `db`, `log` and `clock` must outlive this store, and
    // the database must be closed before it is destroyed (jobs capture it).
    SqliteMeetingStore(sqlite::Database& db, SqliteEventLog& log, const Clock& clock);

    void create(muster::v1::MeetingRecord record, features::meetings::MeetingChange first,
                Done<features::meetings::MeetingApplied> done) override;
    void apply(std::string meeting_id, features::meetings::MeetingRule rule,
               Done<features::meetings::MeetingApplied> done) override;
    void get(std::string meeting_id, Done<muster::v1::MeetingRecord> done) override;
    void attendance(std::string meeting_id,
                    Done<features::meetings::AttendanceSnapshot> done) override;
    void unfinished(Done<std::vector<muster::v1::MeetingRecord>> done) override;
    // "local-<random>": this run alone writes the database.
    [[nodiscard]] const std::string& process() const override { return process_; }
    // Only this one (completes at once).
    void live_processes(Done<std::vector<std::string>> done) override;

  private:
    // Stores the record and the closed intervals, appends the update: the common tail of
    // create() and apply(). `insert` for a new meeting.
    Result<std::uint64_t> commit_change(sqlite::Transaction& txn,
                                        const muster::v1::MeetingRecord& record,
                                        const features::meetings::MeetingChange& change,
                                        std::int64_t now_ms, bool insert);

    sqlite::Database& db_;
    SqliteEventLog& log_;
    const Clock& clock_;
    const std::string process_;
};

}  // namespace muster::store
