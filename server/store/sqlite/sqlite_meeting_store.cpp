#include "store/sqlite/sqlite_meeting_store.hpp"

#include <cstdio>
#include <optional>
#include <random>
#include <stdexcept>
#include <utility>

#include "core/async.hpp"
#include "features/meetings/meeting_event.hpp"

namespace muster::store {

using features::meetings::AttendanceInterval;
using features::meetings::AttendanceSnapshot;
using features::meetings::meeting_update_event;
using features::meetings::MeetingApplied;
using features::meetings::MeetingChange;
using features::meetings::MeetingRule;
using features::meetings::retries_schedule;

namespace v1 = muster::v1;

namespace {

// IF NOT EXISTS: run at every start. A later change of these tables adds its own step here
// (guarded by what it finds), never an edit of this one.
constexpr const char* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS meetings (
    id       TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL,
    phase    INTEGER NOT NULL,           -- MeetingState.Phase, for finding unfinished meetings
    record   BLOB NOT NULL               -- muster.v1.MeetingRecord
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS meetings_by_phase ON meetings(phase);

-- Closed attendance intervals; the open ones are the record's participants. The rowid keeps
-- the order in which they closed.
CREATE TABLE IF NOT EXISTS meeting_attendance (
    meeting_id TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    joined_ms  INTEGER NOT NULL,
    left_ms    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS meeting_attendance_by_meeting ON meeting_attendance(meeting_id);
)sql";

// Step 2: the seq of the SCHEDULED event, for the reply to a retried meeting_schedule.
constexpr const char* scheduled_seq_sql =
    "ALTER TABLE meetings ADD COLUMN scheduled_seq INTEGER NOT NULL DEFAULT 0";

Status add_scheduled_seq(sqlite::Transaction& txn) {
    auto column =
        txn.prepare("SELECT 1 FROM pragma_table_info('meetings') WHERE name = 'scheduled_seq'");
    if (!column) return column.status();
    auto found = column->step();
    if (!found) return found.status();
    if (*found) return ok_status();
    return txn.db().exec(scheduled_seq_sql);
}

// The meeting with this id as a retry of `record`'s schedule sees it: nullopt when there is
// none, CONFLICT when it is not the same host's in the same group.
Result<std::optional<MeetingApplied>> earlier_schedule(sqlite::Transaction& txn,
                                                       const v1::MeetingRecord& record) {
    const auto& state = record.state();
    auto select = txn.prepare("SELECT record, scheduled_seq FROM meetings WHERE id = ?1");
    if (!select) return select.status();
    select->bind_text(1, state.meeting_id());
    auto row = select->step();
    if (!row) return row.status();
    if (!*row) return std::optional<MeetingApplied>{};
    MeetingApplied earlier;
    if (!earlier.record.ParseFromString(select->blob(0))) {
        return Status{errc::internal,
                      "meeting " + state.meeting_id() + ": stored record does not parse"};
    }
    if (!retries_schedule(earlier.record, record)) {
        return Status{errc::conflict, "meeting " + state.meeting_id() + " exists"};
    }
    earlier.seq = select->seq(1);
    earlier.duplicate = true;
    return std::optional<MeetingApplied>(std::move(earlier));
}

Status no_such_meeting(const std::string& id) {
    return {errc::not_found, "no such meeting: " + id};
}

Result<v1::MeetingRecord> read_record(sqlite::Transaction& txn, const std::string& id) {
    auto select = txn.prepare("SELECT record FROM meetings WHERE id = ?1");
    if (!select) return select.status();
    select->bind_text(1, id);
    auto row = select->step();
    if (!row) return row.status();
    if (!*row) return no_such_meeting(id);
    v1::MeetingRecord record;
    if (!record.ParseFromString(select->blob(0))) {
        return Status{errc::internal, "meeting " + id + ": stored record does not parse"};
    }
    return record;
}

// The common shape of a lookup: `body` fills a T in a read job, handed to `done` afterwards.
template <class T, class Body>
void read_value(sqlite::Database& db, Done<T> done, Body body) {
    auto job = [done, body = std::move(body)](sqlite::Transaction& txn) -> Status {
        T value{};
        if (auto status = body(txn, value); !status) return status;
        txn.after_commit([done, value = std::move(value)]() mutable { done(std::move(value)); });
        return ok_status();
    };
    db.read(std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); });
}

// "local-" and six random hex digits: a new one every run, so that the connections recorded
// by the run before are never taken for this one's.
std::string new_process_id() {
    std::mt19937 random{std::random_device{}()};
    char id[16];
    std::snprintf(id, sizeof id, "local-%06x", static_cast<unsigned>(random() & 0xFFFFFFU));
    return id;
}

}  // namespace

SqliteMeetingStore::SqliteMeetingStore(sqlite::Database& db, SqliteEventLog& log,
                                       const Clock& clock)
    : db_(db), log_(log), clock_(clock), process_(new_process_id()) {
    auto create = [this](const Done<Unit>& done) {
        db_.write(
            [done](sqlite::Transaction& txn) -> Status {
                Status status = txn.db().exec(schema_sql);
                if (status) status = add_scheduled_seq(txn);
                if (status) txn.after_commit([done] { done(Unit{}); });
                return status;
            },
            [done](Status status) { done(std::move(status)); });
    };
    if (Status status = blocking_call<Unit>(create).status(); !status) {
        throw std::runtime_error("cannot create the meeting tables: " + status.message());
    }
}

Result<std::uint64_t> SqliteMeetingStore::commit_change(sqlite::Transaction& txn,
                                                        const v1::MeetingRecord& record,
                                                        const MeetingChange& change,
                                                        std::int64_t now_ms, bool insert) {
    const auto& state = record.state();
    {
        auto write = txn.prepare(
            insert ? "INSERT INTO meetings (id, group_id, phase, record) VALUES (?1, ?2, ?3, ?4)"
                   : "UPDATE meetings SET group_id = ?2, phase = ?3, record = ?4 WHERE id = ?1");
        if (!write) return write.status();
        write->bind_text(1, state.meeting_id())
            .bind_text(2, state.group())
            .bind_int(3, state.phase())
            .bind_blob(4, record.SerializeAsString());
        if (auto status = write->run(); !status) {
            if (status.code() == errc::conflict) {
                return Status{errc::conflict, "meeting " + state.meeting_id() + " exists"};
            }
            return status;
        }
    }
    for (const auto& interval : change.closed) {
        auto add = txn.prepare(
            "INSERT INTO meeting_attendance (meeting_id, user_id, name, joined_ms, left_ms) "
            "VALUES (?1, ?2, ?3, ?4, ?5)");
        if (!add) return add.status();
        add->bind_text(1, state.meeting_id())
            .bind_text(2, interval.user)
            .bind_text(3, interval.name)
            .bind_int(4, interval.joined_ms)
            .bind_int(5, interval.left_ms);
        if (auto status = add->run(); !status) return status;
    }
    if (!change.updates()) return std::uint64_t{0};

    AppendRequest request;
    request.event = meeting_update_event(record, change, now_ms);
    auto appended = log_.append_in_transaction(txn, request);
    if (!appended) return appended.status();
    return appended->seq;
}

void SqliteMeetingStore::create(v1::MeetingRecord record, MeetingChange first,
                                Done<MeetingApplied> done) {
    auto job = [this, record = std::move(record), first = std::move(first),
                done](sqlite::Transaction& txn) mutable -> Status {
        auto earlier = earlier_schedule(txn, record);
        if (!earlier) return earlier.status();
        if (*earlier) {
            txn.after_commit(
                [done, applied = std::move(**earlier)]() mutable { done(std::move(applied)); });
            return ok_status();
        }
        const std::int64_t now = clock_.now_ms();
        auto seq = commit_change(txn, record, first, now, /*insert=*/true);
        if (!seq) return seq.status();
        auto remember = txn.prepare("UPDATE meetings SET scheduled_seq = ?2 WHERE id = ?1");
        if (!remember) return remember.status();
        remember->bind_text(1, record.state().meeting_id()).bind_seq(2, *seq);
        if (auto status = remember->run(); !status) return status;
        // Registered after the event's delivery: the caller hears back once it is on its way.
        txn.after_commit(
            [done, applied = MeetingApplied{*seq, std::move(record), std::move(first)}]() mutable {
                done(std::move(applied));
            });
        return ok_status();
    };
    db_.write(std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); });
}

void SqliteMeetingStore::apply(std::string meeting_id, MeetingRule rule,
                               Done<MeetingApplied> done) {
    auto job = [this, meeting_id = std::move(meeting_id), rule = std::move(rule),
                done](sqlite::Transaction& txn) -> Status {
        auto record = read_record(txn, meeting_id);
        if (!record) return record.status();
        const std::int64_t now = clock_.now_ms();
        Result<MeetingChange> change = rule(*record, now);
        if (!change) return change.status();
        std::uint64_t seq = 0;
        if (change->updates() || change->record_changed || !change->closed.empty()) {
            auto committed = commit_change(txn, *record, *change, now, /*insert=*/false);
            if (!committed) return committed.status();
            seq = *committed;
        }
        txn.after_commit([done, applied = MeetingApplied{seq, std::move(*record),
                                                         std::move(*change)}]() mutable {
            done(std::move(applied));
        });
        return ok_status();
    };
    db_.write(std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); });
}

void SqliteMeetingStore::get(std::string meeting_id, Done<v1::MeetingRecord> done) {
    read_value<v1::MeetingRecord>(db_, std::move(done),
                                  [meeting_id = std::move(meeting_id)](
                                      sqlite::Transaction& txn, v1::MeetingRecord& out) -> Status {
                                      auto record = read_record(txn, meeting_id);
                                      if (!record) return record.status();
                                      out = std::move(*record);
                                      return ok_status();
                                  });
}

void SqliteMeetingStore::attendance(std::string meeting_id, Done<AttendanceSnapshot> done) {
    read_value<AttendanceSnapshot>(
        db_, std::move(done),
        [this, meeting_id = std::move(meeting_id)](sqlite::Transaction& txn,
                                                   AttendanceSnapshot& out) -> Status {
            auto record = read_record(txn, meeting_id);
            if (!record) return record.status();
            out.record = std::move(*record);
            out.now_ms = clock_.now_ms();
            auto select = txn.prepare(
                "SELECT user_id, name, joined_ms, left_ms FROM meeting_attendance "
                "WHERE meeting_id = ?1 ORDER BY rowid");
            if (!select) return select.status();
            select->bind_text(1, meeting_id);
            for (;;) {
                auto row = select->step();
                if (!row) return row.status();
                if (!*row) return ok_status();
                out.intervals.push_back(AttendanceInterval{select->text(0), select->text(1),
                                                           select->int64(2), select->int64(3)});
            }
        });
}

void SqliteMeetingStore::unfinished(Done<std::vector<v1::MeetingRecord>> done) {
    read_value<std::vector<v1::MeetingRecord>>(
        db_, std::move(done),
        [](sqlite::Transaction& txn, std::vector<v1::MeetingRecord>& out) -> Status {
            auto select = txn.prepare("SELECT id, record FROM meetings WHERE phase IN (?1, ?2)");
            if (!select) return select.status();
            select->bind_int(1, v1::MeetingState::SCHEDULED).bind_int(2, v1::MeetingState::LIVE);
            for (;;) {
                auto row = select->step();
                if (!row) return row.status();
                if (!*row) return ok_status();
                v1::MeetingRecord record;
                if (!record.ParseFromString(select->blob(1))) {
                    return Status{errc::internal,
                                  "meeting " + select->text(0) + ": stored record does not parse"};
                }
                out.push_back(std::move(record));
            }
        });
}

}  // namespace muster::store

namespace muster::store {

void SqliteMeetingStore::live_processes(Done<std::vector<std::string>> done) {
    done(std::vector<std::string>{process_});
}

}  // namespace muster::store
