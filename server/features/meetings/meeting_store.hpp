#pragma once
// The meetings feature's store contract: each meeting's record (its public MeetingState plus
// bookkeeping) and the attendance intervals that have closed. Implementations:
// store/sqlite/sqlite_meeting_store.hpp (embedded, one node) and
// store/redis/redis_meeting_store.hpp (shared by nodes); what both write beside a change (its
// event, which create is a retry) is features/meetings/meeting_event.hpp.
//
// Every change is ONE store operation: read the record, run the feature's rule on it (which
// checks and changes it), store the record, record the closed intervals and append the
// MeetingUpdate event to the group's log, atomically. Two nodes can never interleave
// inconsistent changes of one meeting, and the log never says something the store does not.
//
// Rules are the feature's (features/meetings/rules.hpp); the store knows nothing of them. A rule
// may be run more than once for one operation (a shared store retries it after a concurrent
// change: optimistic concurrency), so it must depend on its inputs only. Changes asked for by
// one process are applied in the order it asked for them, per meeting (a connection's join
// before its loss).
//
// Connections: the records name the connections that joined as "<process>/<session>", the
// process being one run of one node (process()). When a process dies its connections are gone,
// and someone must say so: a store that one process alone writes (embedded) does it at start
// (every connection recorded before is gone); a shared one tells its processes which processes
// are alive (watch_liveness()), and a process recovers the connections of the dead ones.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "core/bytes.hpp"
#include "muster/v1/meeting.pb.h"
#include "muster/v1/meeting_record.pb.h"

namespace muster::features::meetings {

// One stretch of presence in a meeting that has ended (a leave, a drop, the meeting's end).
struct AttendanceInterval {
    std::string user;
    std::string name;  // display name at the time
    std::int64_t joined_ms = 0;
    std::int64_t left_ms = 0;
};

// What a rule did to a record.
struct MeetingChange {
    // The MeetingUpdate to append; CHANGE_UNSPECIFIED when the public state did not change
    // (joining twice, lowering a hand that is not raised): no event, seq 0.
    muster::v1::MeetingUpdate::Change change = muster::v1::MeetingUpdate::CHANGE_UNSPECIFIED;
    std::string user;         // whom the change is about
    std::string sender;       // the event's author; empty when the server made it (timers)
    std::string sender_name;  // the author's display name
    // Bookkeeping changed (connections, a pending drop) without an update: store it anyway.
    bool record_changed = false;
    // Attendance intervals this change closed.
    std::vector<AttendanceInterval> closed;

    [[nodiscard]] bool updates() const {
        return change != muster::v1::MeetingUpdate::CHANGE_UNSPECIFIED;
    }
};

// Checks and changes a record at `now_ms` (the store's clock, read inside the operation).
using MeetingRule =
    std::function<Result<MeetingChange>(muster::v1::MeetingRecord& record, std::int64_t now_ms)>;

struct MeetingApplied {
    std::uint64_t seq = 0;             // of the appended MeetingUpdate; 0 when nothing was appended
    muster::v1::MeetingRecord record;  // after the change
    MeetingChange change;
    // create() only: the meeting existed, by the same host. Nothing was written; `seq` is the
    // seq of its SCHEDULED event and `record` the stored one.
    bool duplicate = false;
};

// What a report is computed from, read in one snapshot.
struct AttendanceSnapshot {
    muster::v1::MeetingRecord record;
    std::vector<AttendanceInterval> intervals;  // closed ones, in the order they closed
    std::int64_t now_ms = 0;                    // the store's clock when it was read
};

class MeetingStore {
  public:
    virtual ~MeetingStore() = default;

    // Stores a new meeting (record.state().meeting_id()) and appends `first` (SCHEDULED) to its
    // group's log, in one transaction. NOT_FOUND for no such group. When the id exists in the
    // same group with the same host: a retry (duplicate, see MeetingApplied); else CONFLICT.
    virtual void create(muster::v1::MeetingRecord record, MeetingChange first,
                        Done<MeetingApplied> done) = 0;

    // Runs `rule` on the meeting's record and stores what it changed, in one transaction (see
    // the top of this file). NOT_FOUND for no such meeting; the rule's own error, with nothing
    // changed, when it refuses.
    virtual void apply(std::string meeting_id, MeetingRule rule, Done<MeetingApplied> done) = 0;

    // The record. NOT_FOUND for no such meeting.
    virtual void get(std::string meeting_id, Done<muster::v1::MeetingRecord> done) = 0;

    // The record and every closed interval, in one snapshot. NOT_FOUND for no such meeting.
    virtual void attendance(std::string meeting_id, Done<AttendanceSnapshot> done) = 0;

    // Every meeting that has not ended (start-up: the feature rebuilds its timers from them).
    virtual void unfinished(Done<std::vector<muster::v1::MeetingRecord>> done) = 0;

    // This process, unique per run: what its connections are tagged with.
    [[nodiscard]] virtual const std::string& process() const = 0;
    // Whether other processes write this store too (nodes sharing a Redis).
    [[nodiscard]] virtual bool shared() const { return false; }
    // The processes whose heartbeat is fresh, this one included.
    virtual void live_processes(Done<std::vector<std::string>> done) = 0;
    // A shared store calls `fn` with the live processes every little while (on its own
    // thread) until it closes. Set once, before the first call.
    virtual void watch_liveness(const std::function<void(std::vector<std::string>)>& /*fn*/) {}
};

}  // namespace muster::features::meetings
