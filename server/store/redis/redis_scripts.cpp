#include "store/redis/redis_scripts.hpp"

#include <string>

#include "store/redis/duty_fanout_scripts.hpp"
#include "store/redis/record_scripts.hpp"
#include "store/redis/redis_lua.hpp"

namespace muster::store::redis_scripts {

// ---- the event log ---------------------------------------------------------------------------

// Appends one event: the next seq, the stream entry, the idempotency key, the publication, all
// in one atomic step, so pub/sub order is seq order and nothing is half done.
//   KEYS[1] seq  KEYS[2] log  KEYS[3] idempotency key (any key of the group when unused)
//   ARGV[1] the serialised Event without seq   ARGV[2] idempotency TTL in s (0 = no key)
//   ARGV[3] now (ms, the node's clock)   ARGV[4] retention in events (0 = unbounded)
//   ARGV[5] the group's channel          ARGV[6] the event's time_ms
// Returns {1, seq} appended, {0, seq} a duplicate of seq, {-1} no such group.
//
// The stored and published bytes are ARGV[1] followed by field 2 (tag 0x10) = seq as a varint
// (muster_append, redis_lua.cpp, shared with every script that appends events): protobuf
// accepts fields in any order (protocol/event_bytes.hpp does the same on the node). Seq is a Lua
// number (a double): exact up to 2^53. Every write comes after every check, so a refused
// append changes nothing.
const redis::Script& append() {
    static const redis::Script script(std::string(redis_lua::append()) + R"lua(
local head = redis.call('GET', KEYS[1])
if not head then return {-1} end
local ttl = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if ttl > 0 then
  local seen = redis.call('GET', KEYS[3])
  if seen then
    local sep = string.find(seen, ':', 1, true)
    if tonumber(string.sub(seen, sep + 1)) > now then
      return {0, tonumber(string.sub(seen, 1, sep - 1))}
    end
  end
end
local seq = muster_append(KEYS[1], KEYS[2], ARGV[5], ARGV[1], ARGV[6], ARGV[4])
if ttl > 0 then
  redis.call('SET', KEYS[3], string.format('%d:%d', seq, now + ttl * 1000), 'EX', ARGV[2])
end
return {1, seq}
)lua");
    return script;
}

// One consistent page of a group's log with its head and oldest retained seq.
//   KEYS[1] seq  KEYS[2] log
//   ARGV[1] 'after' (XRANGE from ARGV[2] up) or 'before' (XREVRANGE from ARGV[2] down)
//   ARGV[2] the first stream id of the page, inclusive ("<seq>-0")   ARGV[3] limit (0 = none)
// Returns {latest, oldest, event...} (events in stream order: descending for 'before'), or
// {-1} for no such group. oldest = latest + 1 when nothing is retained.
const redis::Script& read_range() {
    static const redis::Script script(R"lua(#!lua flags=no-writes
local head = redis.call('GET', KEYS[1])
if not head then return {-1} end
local latest = tonumber(head)
local oldest = latest + 1
local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
if #first > 0 then oldest = tonumber(string.match(first[1][1], '^(%d+)')) end
local out = {latest, oldest}
if ARGV[3] ~= '0' then
  local entries
  if ARGV[1] == 'after' then
    entries = redis.call('XRANGE', KEYS[2], ARGV[2], '+', 'COUNT', ARGV[3])
  else
    entries = redis.call('XREVRANGE', KEYS[2], ARGV[2], '-', 'COUNT', ARGV[3])
  end
  for i = 1, #entries do
    local fields = entries[i][2]
    for j = 1, #fields, 2 do
      if fields[j] == 'e' then out[#out + 1] = fields[j + 1] end
    end
  end
end
return out
)lua");
    return script;
}

// Retention by age: deletes the prefix of the log up to the first event young enough to keep
// (clocks may step back: a later event that looks older is kept with it).
//   KEYS[1] log   ARGV[1] the cutoff (ms): events with t < cutoff go
// Returns the number of events deleted. Cost: the deleted entries plus one, scanned at most
// 10000 per run (the next run continues), so that one run never stalls Redis for long.
const redis::Script& trim_by_age() {
    static const redis::Script script(R"lua(
local cutoff = tonumber(ARGV[1])
local start = '-'
local scanned = 0
local last = nil
while scanned < 10000 do
  local batch = redis.call('XRANGE', KEYS[1], start, '+', 'COUNT', 100)
  if #batch == 0 then break end
  for i = 1, #batch do
    local fields = batch[i][2]
    local t = nil
    for j = 1, #fields, 2 do
      if fields[j] == 't' then t = tonumber(fields[j + 1]) end
    end
    if t ~= nil and t >= cutoff then
      return redis.call('XTRIM', KEYS[1], 'MINID', batch[i][1])
    end
    last = batch[i][1]
  end
  scanned = scanned + #batch
  start = '(' .. last
end
if last == nil then return 0 end
local seq = tonumber(string.match(last, '^(%d+)'))
return redis.call('XTRIM', KEYS[1], 'MINID', string.format('%d-0', seq + 1))
)lua");
    return script;
}

// ---- the directory ---------------------------------------------------------------------------

// Creates or updates a group, refusing a missing parent and cycles.
//   KEYS[1] groups  KEYS[2] parents   ARGV[1] id  ARGV[2] name  ARGV[3] parent ('' = root)
// Returns {0}, {-1, message} (NOT_FOUND) or {-2, message} (INVALID_ARGUMENT).
// Cost: the depth of the new parent (the walk up to the root).
const redis::Script& put_group() {
    static const redis::Script script(R"lua(
local id, name, parent = ARGV[1], ARGV[2], ARGV[3]
if parent ~= '' then
  if parent == id then return {-2, 'group ' .. id .. ' cannot be its own parent'} end
  if redis.call('HEXISTS', KEYS[1], parent) == 0 then return {-1, 'no such group: ' .. parent} end
  local at, steps = parent, 0
  while at and steps < 100000 do
    if at == id then
      return {-2, 'group ' .. id .. ' cannot move under ' .. parent ..
                  ': that is inside its own subtree'}
    end
    at = redis.call('HGET', KEYS[2], at)
    steps = steps + 1
  end
end
redis.call('HSET', KEYS[1], id, name)
if parent == '' then
  redis.call('HDEL', KEYS[2], id)
else
  redis.call('HSET', KEYS[2], id, parent)
end
return {0}
)lua");
    return script;
}

//   KEYS[1] groups  KEYS[2] parents.   Returns {{id, name, ...}, {id, parent, ...}}.
const redis::Script& list_groups() {
    static const redis::Script script(R"lua(#!lua flags=no-writes
return {redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2])}
)lua");
    return script;
}

// Adds a member or changes the role; a non-empty name replaces the one kept.
//   KEYS[1] groups  KEYS[2] members:<group>  KEYS[3] member_names:<group>
//   KEYS[4] memberships:<user>   ARGV[1] group  ARGV[2] user  ARGV[3] role  ARGV[4] name
// Returns {0} or {-1, message} (NOT_FOUND).
const redis::Script& put_member() {
    static const redis::Script script(R"lua(
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return {-1, 'no such group: ' .. ARGV[1]} end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], ARGV[2], ARGV[4]) end
redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
return {0}
)lua");
    return script;
}

//   KEYS[1] members:<group>  KEYS[2] member_names:<group>  KEYS[3] memberships:<user>
//   ARGV[1] group  ARGV[2] user.   Returns {0} or {-1, message} (NOT_FOUND: not a member).
const redis::Script& remove_member() {
    static const redis::Script script(R"lua(
if redis.call('HDEL', KEYS[1], ARGV[2]) == 0 then
  return {-1, ARGV[2] .. ' is not a member of ' .. ARGV[1]}
end
redis.call('HDEL', KEYS[2], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[1])
return {0}
)lua");
    return script;
}

// The members of a group with their role and name (the membership's, else the one the user
// connected with).
//   KEYS[1] groups  KEYS[2] members:<group>  KEYS[3] member_names:<group>  KEYS[4] users
//   ARGV[1] group.   Returns {0, user, role, name, ...} or {-1} (no such group).
const redis::Script& members_of() {
    static const redis::Script script(R"lua(#!lua flags=no-writes
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return {-1} end
local members = redis.call('HGETALL', KEYS[2])
local out = {0}
for i = 1, #members, 2 do
  local user = members[i]
  local name = redis.call('HGET', KEYS[3], user)
  if not name or name == '' then name = redis.call('HGET', KEYS[4], user) or '' end
  out[#out + 1] = user
  out[#out + 1] = members[i + 1]
  out[#out + 1] = name
end
return out
)lua");
    return script;
}

// The first non-empty name the user was given with a membership.
//   KEYS[i] member_names:<group i>   ARGV[1] user.   Returns the name, or nil.
const redis::Script& first_member_name() {
    static const redis::Script script(R"lua(#!lua flags=no-writes
for i = 1, #KEYS do
  local name = redis.call('HGET', KEYS[i], ARGV[1])
  if name and name ~= '' then return name end
end
return false
)lua");
    return script;
}

// ---- presence --------------------------------------------------------------------------------
// A group's presence: `online` holds "<node>\n<user>" for each node where the user has a
// connection subscribed, scored by when the entry expires (Redis' clock, ms), refreshed by the
// node's heartbeat; `nodes` lists the nodes with entries (same scores); `names` the display
// names. A dead node stops refreshing and its entries fall out after the TTL. The keys
// themselves expire with their last entry. Cost of join/leave: one probe per node present.

// Presence keys of a group, for every script below: KEYS[1] online (node\nuser -> expiry)
// KEYS[2] nodes (node -> expiry)  KEYS[3] names (user -> name)  KEYS[4] users (the index of
// who is online, score 0). Each script sweeps expired entries first (redis_lua: presence).

// This node has its first connection of the user subscribed to the group.
//   ARGV[1] node  ARGV[2] user  ARGV[3] name  ARGV[4] TTL (ms).
//   Returns 1 when the user was online nowhere before, else 0.
const redis::Script& presence_join() {
    static const redis::Script script(std::string(redis_lua::presence()) + R"lua(
local k = presence_keys()
local now = presence_now()
presence_sweep(k, now)
local elsewhere = presence_elsewhere(k, ARGV[2])
local expiry = now + tonumber(ARGV[4])
redis.call('ZADD', k.online, expiry, ARGV[1] .. '\n' .. ARGV[2])
redis.call('ZADD', k.nodes, expiry, ARGV[1])
redis.call('ZADD', k.users, 0, ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', k.names, ARGV[2], ARGV[3]) end
for _, key in ipairs({k.online, k.nodes, k.names, k.users}) do
  redis.call('PEXPIRE', key, ARGV[4])
end
if elsewhere then return 0 end
return 1
)lua");
    return script;
}

// This node's last connection of the user in the group left.
//   ARGV[1] node  ARGV[2] user.   Returns 1 when the user is now online nowhere, else 0.
const redis::Script& presence_leave() {
    static const redis::Script script(std::string(redis_lua::presence()) + R"lua(
local k = presence_keys()
presence_sweep(k, presence_now())
redis.call('ZREM', k.online, ARGV[1] .. '\n' .. ARGV[2])
if presence_elsewhere(k, ARGV[2]) then return 0 end
presence_gone(k, ARGV[2])
return 1
)lua");
    return script;
}

// One page of who is online, by user id: O(limit + log members).
//   ARGV[1] after (exclusive; '' = from the first)  ARGV[2] limit (> 0).
//   Returns {online, next, user, name, ...}: next is '' on the last page.
const redis::Script& presence_list() {
    static const redis::Script script(std::string(redis_lua::presence()) + R"lua(
local k = presence_keys()
presence_sweep(k, presence_now())
local limit = tonumber(ARGV[2])
local from = '-'
if ARGV[1] ~= '' then from = '(' .. ARGV[1] end
local users = redis.call('ZRANGEBYLEX', k.users, from, '+', 'LIMIT', 0, limit + 1)
local out = {redis.call('ZCARD', k.users), ''}
for i = 1, math.min(#users, limit) do
  out[#out + 1] = users[i]
  out[#out + 1] = redis.call('HGET', k.names, users[i]) or ''
end
if #users > limit then out[2] = users[limit] end
return out
)lua");
    return script;
}

//   Returns how many users are online in the group.
const redis::Script& presence_count() {
    static const redis::Script script(std::string(redis_lua::presence()) + R"lua(
local k = presence_keys()
presence_sweep(k, presence_now())
return redis.call('ZCARD', k.users)
)lua");
    return script;
}

// The heartbeat of one node for one group: its users' entries live on, and the leaves it
// could not write (Redis was away) are written now.
//   ARGV[1] node  ARGV[2] TTL (ms)  ARGV[3] n, then n pairs (user, name) present on the node,
//   then users to drop.   Returns 1.
const redis::Script& presence_refresh() {
    static const redis::Script script(std::string(redis_lua::presence()) + R"lua(
local k = presence_keys()
local now = presence_now()
presence_sweep(k, now)
local expiry = now + tonumber(ARGV[2])
local n = tonumber(ARGV[3])
for i = 4, 3 + 2 * n, 2 do
  redis.call('ZADD', k.online, expiry, ARGV[1] .. '\n' .. ARGV[i])
  redis.call('ZADD', k.users, 0, ARGV[i])
  if ARGV[i + 1] ~= '' then redis.call('HSET', k.names, ARGV[i], ARGV[i + 1]) end
end
for i = 4 + 2 * n, #ARGV do
  redis.call('ZREM', k.online, ARGV[1] .. '\n' .. ARGV[i])
  if not presence_elsewhere(k, ARGV[i]) then presence_gone(k, ARGV[i]) end
end
if n > 0 then
  redis.call('ZADD', k.nodes, expiry, ARGV[1])
  for _, key in ipairs({k.online, k.nodes, k.names, k.users}) do
    redis.call('PEXPIRE', key, ARGV[2])
  end
end
return 1
)lua");
    return script;
}

// A node's entry in a sorted set of live entries, scored by when it expires (Redis' clock):
// where a user is connected (user_nodes), or which node processes are alive (nodes_alive).
// 'add' (also the heartbeat) puts or refreshes it and drops expired ones; 'remove' takes it
// out. The key expires with its last entry.
//   KEYS[1] the set   ARGV[1] node  ARGV[2] TTL (ms)  ARGV[3] 'add' | 'remove'.  Returns 1.
const redis::Script& live_entry() {
    static const redis::Script script(R"lua(
if ARGV[3] == 'remove' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
)lua");
    return script;
}

//   KEYS[1] user_nodes.   Returns 1 when some node has a live entry for the user.
const redis::Script& user_connected() {
    static const redis::Script script(R"lua(#!lua flags=no-writes
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf') > 0 then return 1 end
return 0
)lua");
    return script;
}

//   KEYS[1] nodes.   Returns the nodes whose entry has not expired.
const redis::Script& nodes_alive() {
    static const redis::Script script(R"lua(#!lua flags=no-writes
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
)lua");
    return script;
}

std::vector<const redis::Script*> all() {
    return {&append(),
            &read_range(),
            &trim_by_age(),
            &put_group(),
            &list_groups(),
            &put_member(),
            &remove_member(),
            &members_of(),
            &presence_join(),
            &presence_leave(),
            &presence_list(),
            &presence_refresh(),
            &presence_count(),
            &live_entry(),
            &user_connected(),
            &nodes_alive(),
            &record_swap(),
            &hashes_read(),
            &records_read(),
            &index_newest(),
            &meeting_claim(),
            &meeting_unclaim(),
            &meeting_create(),
            &meeting_swap(),
            &meeting_read(),
            &outbox_enqueue(),
            &outbox_list(),
            &outbox_remove(),
            &outbox_sweep(),
            &device_put(),
            &device_remove(),
            &devices_list(),
            &duty_claim(),
            &duty_fanout(),
            &duty_push_move(),
            &duty_fanned(),
            &first_member_name(),
            &outbox_get(),
            &outbox_swap()};
}

}  // namespace muster::store::redis_scripts
