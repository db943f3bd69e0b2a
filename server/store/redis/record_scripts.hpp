#pragma once
// The generic scripts of feature records kept on Redis (sign-in, duty calls, meetings; any
// feature whose rules run in C++): a record is a hash {record, version} and a change is
//   read (hashes_read or records_read) -> the feature's rule in C++ -> record_swap,
// which writes only if no record it writes changed since it was read (compare and swap on
// `version`); on a conflict the caller reads again and runs the rule again (rules are pure).
// No feature rule is ever written in Lua: these scripts only check versions and write what
// they are given.
//
// record_swap, in one atomic step, after every check holds (else nothing is written):
//   - the records, each with the version it was read at ('' = must not exist yet): stored with
//     version + 1 (1 for a new one);
//   - index writes: 'h' HSET field value, 'n' the same but the field must not exist yet
//     (a unique index), 'd' HDEL field, 'z' ZADD member(field) score(value), 'r' ZREM member,
//     's' SADD member(field), 'x' SREM member, 'l' RPUSH value (a record's log, read back
//     whole by records_read); and one check that writes nothing, 'e': the hash's field must
//     hold value (an index entry is still the one this writer made, before it is let go);
//   - events appended to group logs with the chat append's own Lua (muster_append: seq,
//     stream entry, PUBLISH), each group's existence checked first; an event's seq may also be
//     kept in a field of the first record's hash (the rule cannot know it);
//   - push intents recorded in the outbox (lua/lib/outbox.lua: add, then the bound).
// Build it with RecordSwap and run() (the script, lua/record_swap.lua, says its layout).
// The reads are lua/hashes_read.lua, lua/records_read.lua (RecordsRead below) and
// lua/index_newest.lua.
//
// Redis Cluster: a script touches one slot, so the keys of one swap or read (records, index
// keys, the events' groups) share one hash tag; the caller chooses them so.

#include <cstdint>
#include <string>
#include <vector>

#include "redis/client.hpp"
#include "redis/keys.hpp"
#include "redis/script.hpp"
#include "store/push_outbox.hpp"

namespace muster::store {

struct RecordSwap {
    struct Record {
        std::string key;
        std::string version;  // as read; '' for a record that must not exist yet
        std::string value;
    };
    struct Index {
        std::string key;
        char op = 'h';  // 'h', 'n', 'e', 'd', 'z', 'r', 's', 'x', 'l' (see above)
        std::string field;
        std::string value;
    };
    struct Event {
        std::string group;
        std::string bytes;  // the serialised Event without its seq
        std::int64_t time_ms = 0;
        std::string seq_field;  // '' or the field of the first record that keeps the seq
    };

    std::vector<Record> records;
    std::vector<Index> indexes;
    std::vector<Event> events;
    std::vector<push::PushIntent> pushes;
    std::uint64_t retention_events = 0;  // log.retention_events (0: unbounded)
    std::uint64_t max_intents = 0;       // the outbox's bound
    // Queue the swap while the connection is down (a retried write cannot apply twice: the
    // versions and checks hold it), rather than failing at once.
    bool wait_for_connection = true;

    // A change that keeps losing to other writers' changes of the same record gives up after
    // this many swaps, with UNAVAILABLE (each one lost means another change was stored: the
    // record is busy, not stuck). The same for every feature.
    static constexpr int max_attempts = 200;

    // What the swap did (nothing unless `written`).
    struct Outcome {
        enum class Kind { written, changed, taken, differs, no_group } kind = Kind::written;
        // changed: the record; taken ('n'), differs ('e'): the index write; no_group: the event
        std::size_t index = 0;
        std::vector<std::uint64_t> seqs;  // written: one per event
        std::uint64_t dropped = 0;        // written: intents the outbox's bound dropped
    };

    // Runs record_swap on `client` (any thread); `done` on the Redis thread. Counts the swaps
    // that lost (muster_record_swap_conflicts_total: how often another node wrote first).
    void run(redis::Client& client, const redis::Keys& keys, Done<Outcome> done) &&;
    // Lists the swaps' series in /metrics before the first swap (stores call it when built).
    static void register_metrics();
};

// records_read: records and whole lists, in one snapshot.
struct RecordsRead {
    std::vector<std::string> records;  // the records' keys
    std::vector<std::string> lists;    // the lists' keys

    struct Stored {
        std::string value;    // '' when absent
        std::string version;  // '' when absent
    };
    struct Outcome {
        std::vector<Stored> records;                  // one per key, in order
        std::vector<std::vector<std::string>> lists;  // one per key, each in list order
    };

    // On `client` (any thread); `done` on the Redis thread. Waits for the connection (a read).
    void run(redis::Client& client, Done<Outcome> done) &&;
};

}  // namespace muster::store
