// The meeting scripts: a meeting is one record (a serialised MeetingRecord) with a version.
// A change is decided by the feature's rule in C++ on the record it read, then written by
// meeting_swap only if the version is still the one read (compare and swap), together with
// its closed attendance intervals and its MeetingUpdate event, atomically. A concurrent change
// makes the swap fail and the store runs the rule again on the new record (rules are pure:
// store/meeting_store.hpp), so no change is ever lost or applied to a stale record.
//
// Every script touches one Redis Cluster slot. The record scripts, under the group's tag:
// KEYS [1] the meeting  [2] its attendance  [3] the group's seq  [4] its log.
// The index scripts, under {meetings}: KEYS [1] {meetings}:groups  [2] {meetings}:unfinished.
// A meeting id is claimed in the index (meeting_claim) before its record is created, and the
// unfinished set is left by a separate command after the swap that ended it: a crash between
// the two leaves a claim without a record (read as "no such meeting"; a retry of the create
// completes it) or an ended meeting in the set (unfinished() reads records and skips it).
// Replies: {0, seq (0: no event)}; {-1} no such meeting, {-5} no such group, {-6} the id is
// taken (with the record and its SCHEDULED seq when in the same group), {-7} changed since it
// was read.

#include <string>

#include "store/redis/redis_lua.hpp"
#include "store/redis/redis_scripts.hpp"

namespace muster::store::redis_scripts {
namespace {

// The common tail: the record, its phase's index, the intervals, the event.
//   ARGV[1] id  [2] record  [3] phase  [4] event ('' = none)  [5] channel  [6] time_ms
//   [7] retention  [8] group (create) or expected version (swap)  [9..] intervals
constexpr std::string_view write_tail = R"lua(
local function meeting_write(version)
  redis.call('HSET', KEYS[1], 'record', ARGV[2], 'version', version, 'phase', ARGV[3])
  for i = 9, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
  if ARGV[4] == '' then return 0 end
  return muster_append(KEYS[3], KEYS[4], ARGV[5], ARGV[4], ARGV[6], ARGV[7])
end
)lua";

std::string with_write(std::string_view body) {
    std::string script(redis_lua::append());
    script.append(write_tail).append(body);
    return script;
}

}  // namespace

// Claims a meeting id for a group, and counts it unfinished, before its record is created.
//   ARGV[1] id  [2] group.   Returns '' when claimed now, else the group that holds it.
const redis::Script& meeting_claim() {
    static const redis::Script script(R"lua(
local owner = redis.call('HGET', KEYS[1], ARGV[1])
if owner then return owner end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return ''
)lua");
    return script;
}

// Lets a claim go when its create found no group.   ARGV[1] id  [2] group.
const redis::Script& meeting_unclaim() {
    static const redis::Script script(R"lua(
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[2], ARGV[1])
end
return 0
)lua");
    return script;
}

// A new meeting (version 1) and its first event, its id claimed.   ARGV[8] the group.
const redis::Script& meeting_create() {
    static const redis::Script script(with_write(R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then
  -- Created already: the node decides whether this is a retry by the same host.
  local earlier = redis.call('HMGET', KEYS[1], 'record', 'scheduled_seq')
  return {-6, earlier[1], earlier[2] or '0'}
end
if redis.call('EXISTS', KEYS[3]) == 0 then return {-5} end
local seq = meeting_write(1)
redis.call('HSET', KEYS[1], 'scheduled_seq', seq)
return {0, seq}
)lua"));
    return script;
}

// The changed record, if nobody changed it since version ARGV[8] was read.
const redis::Script& meeting_swap() {
    static const redis::Script script(with_write(R"lua(
local version = redis.call('HGET', KEYS[1], 'version')
if not version then return {-1} end
if version ~= ARGV[8] then return {-7} end
return {0, meeting_write(tonumber(version) + 1)}
)lua"));
    return script;
}

// The record and its version, with the closed intervals when ARGV[1] = 'attendance'.
//   KEYS[1] the meeting  KEYS[2] its attendance.   Returns {0, record, version, interval...}.
const redis::Script& meeting_read() {
    static const redis::Script script(redis_lua::read_only({}, R"lua(
local got = redis.call('HMGET', KEYS[1], 'record', 'version')
if not got[1] then return {-1} end
local out = {0, got[1], got[2]}
if ARGV[1] == 'attendance' then
  for _, interval in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do out[#out + 1] = interval end
end
return out
)lua"));
    return script;
}

}  // namespace muster::store::redis_scripts
