#pragma once
// Meetings in Redis, shared by the nodes (see features/meetings/meeting_store.hpp for the
// contract).
//
// A meeting is one hash under its group's tag: the serialised MeetingRecord and a version, and
// beside it the list of its closed attendance intervals (redis/keys.hpp). Only the generic
// record scripts touch them (store/redis/record_scripts.hpp): a change is optimistic: read the
// record and its version (records_read), run the feature's rule on it here, then record_swap
// writes the new record, appends its closed intervals and its MeetingUpdate event (with the
// chat append's own Lua) only if the version is unchanged; otherwise the rule runs again on
// what is there now. Rules are pure functions of the record and the time, so running one twice
// is safe, and no meeting rule is written in Lua. Why not WATCH/MULTI: a transaction needs a
// connection of its own, and the store pipelines everything on one; a swap is one script on it.
//
// Creating a meeting: its id is claimed first in the index of ids ({meetings} hash tag): a
// record_swap with a unique index entry id -> group and the id added to the unfinished set;
// then the record is swapped in (version '' = must not exist) in the group's tag, its event
// appended and the event's seq kept beside it. Each script touches one Redis Cluster slot. A
// create that finds the id claimed by its own group goes on (a retry); a record found there
// already is a retry when retries_schedule() says so. A create that finds no group lets its
// claim go (a check that the entry still names its group, then the deletes, in one swap). A
// crash between the claim and the record leaves a claim without a record (read as no meeting;
// a retried create completes it); the unfinished set is left by a separate command after the
// swap that ended the meeting, so a crash there leaves an ended meeting in the set
// (unfinished() reads the records and skips it).
//
// Changes asked for on this node are applied one at a time per meeting, in the order they were
// asked for (a per-meeting queue on the Redis thread): a connection's join is stored before its
// loss, as on SQLite, and only another node's change can make a swap fail. Cost: one read and
// one script per change (plus a retry per concurrent change from another node); a meeting's
// changes on one node wait for each other (one round trip each).
//
// Liveness: connections are tagged with this process's id (the node's presence id, unique per
// run); every quarter of the presence TTL the store reads which processes' heartbeats are fresh
// (RedisPresence) and hands them to the feature, which recovers the connections of the others.
// Only when this process has been among them for a whole TTL: after an outage of Redis (or of
// this node's connection to it) every heartbeat may have expired, and the other nodes need up
// to a TTL (and their reconnect backoff) to beat again; they must not be taken for dead then.

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/steady_timer.hpp>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "features/meetings/meeting_store.hpp"
#include "redis/client.hpp"
#include "redis/keys.hpp"
#include "store/redis/redis_presence.hpp"

namespace muster::store {

class RedisMeetingStore final : public features::meetings::MeetingStore {
  public:
    // `client`, `keys`, `presence` and `clock` must outlive this; close() before the client
    // closes. `presence_ttl`: how long a node's heartbeat lives (redis.presence_ttl_s);
    // watch_liveness() reports four times per TTL.
    RedisMeetingStore(redis::Client& client, const redis::Keys& keys, RedisPresence& presence,
                      LogConfig log, const Clock& clock, std::chrono::milliseconds presence_ttl);
    ~RedisMeetingStore() override;

    void create(muster::v1::MeetingRecord record, features::meetings::MeetingChange first,
                Done<features::meetings::MeetingApplied> done) override;
    void apply(std::string meeting_id, features::meetings::MeetingRule rule,
               Done<features::meetings::MeetingApplied> done) override;
    void get(std::string meeting_id, Done<muster::v1::MeetingRecord> done) override;
    void attendance(std::string meeting_id,
                    Done<features::meetings::AttendanceSnapshot> done) override;
    void unfinished(Done<std::vector<muster::v1::MeetingRecord>> done) override;

    [[nodiscard]] const std::string& process() const override { return presence_.node_id(); }
    [[nodiscard]] bool shared() const override { return true; }
    void live_processes(Done<std::vector<std::string>> done) override;
    void watch_liveness(const std::function<void(std::vector<std::string>)>& fn) override;

    // Stops the liveness reports. Blocks until the Redis thread has taken note; idempotent.
    void close();

  private:
    struct Read {
        muster::v1::MeetingRecord record;
        std::string version;
        std::vector<features::meetings::AttendanceInterval> intervals;
    };
    struct Pending {
        features::meetings::MeetingRule rule;
        Done<features::meetings::MeetingApplied> done;
    };

    void locate(const std::string& meeting_id, Done<std::string> done);
    void read(const std::string& meeting_id, bool intervals, Done<Read> done);
    // create(): the id claimed in the index (`tries`: claims so far), then create_record().
    void claim(muster::v1::MeetingRecord record, features::meetings::MeetingChange first,
               Done<features::meetings::MeetingApplied> done, int tries);
    void create_record(muster::v1::MeetingRecord record, features::meetings::MeetingChange first,
                       Done<features::meetings::MeetingApplied> done);
    // A create that found no group lets its claim go (if it is still this group's).
    void unclaim(const std::string& id, const std::string& group);
    // A create that found the record: the stored meeting as a retry of `asked`, or CONFLICT.
    void earlier(muster::v1::MeetingRecord asked, Done<features::meetings::MeetingApplied> done);
    // Redis thread: the next queued change of the meeting, tried until it holds.
    void run_next(const std::string& meeting_id);
    void attempt(const std::string& meeting_id, const std::string& group, int attempt);
    void finish(const std::string& meeting_id, Result<features::meetings::MeetingApplied> result);
    void schedule_liveness();

    redis::Client& client_;
    const redis::Keys& keys_;
    RedisPresence& presence_;
    const LogConfig log_;
    const Clock& clock_;
    const std::chrono::milliseconds presence_ttl_;

    std::mutex mutex_;
    std::unordered_map<std::string, std::string> groups_;  // meeting -> group; bounded

    // Redis thread only.
    std::unordered_map<std::string, std::deque<Pending>> queues_;
    std::function<void(std::vector<std::string>)> on_liveness_;
    boost::asio::steady_timer liveness_timer_;
    bool watching_ = false;
    std::optional<std::chrono::steady_clock::time_point> alive_since_;  // this process, seen
};

}  // namespace muster::store
