// The push outbox and the devices (push targets). The outbox's helpers are redis_lua::outbox(),
// shared with the duty scripts that record intents in the same atomic step as their events.
//   Outbox KEYS: [1] next  [2] ids  [3] data  [4] by_user (redis/keys.hpp).
// An intent's delivery state (the push worker's, opaque here) is the field 's<id>' of data,
// beside the intent's own field '<id>'; outbox_forget() drops both.

#include <string>

#include "store/redis/redis_lua.hpp"
#include "store/redis/redis_scripts.hpp"

namespace muster::store::redis_scripts {
namespace {

constexpr std::string_view outbox_keys = R"lua(
local k = {next = KEYS[1], ids = KEYS[2], data = KEYS[3], by_user = KEYS[4]}
)lua";

std::string outbox_script(std::string_view body) {
    std::string script(redis_lua::outbox());
    script.append(outbox_keys).append(body);
    return script;
}

}  // namespace

// Records intents, then applies the bound.   ARGV[1] the bound, then per intent: user, title,
// body, data, created_ms.   Returns {dropped, id...}.
const redis::Script& outbox_enqueue() {
    static const redis::Script script(outbox_script(R"lua(
local out = {0}
for i = 2, #ARGV, 5 do
  out[#out + 1] = outbox_add(k, ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3],
                             tonumber(ARGV[i + 4]))
end
out[1] = outbox_trim(k, tonumber(ARGV[1]), 0)
return out
)lua"));
    return script;
}

// The oldest intents after an id, of every user or of one.   ARGV[1] after  ARGV[2] limit
// ARGV[3] user ('' = all).   Returns {id, user, title, body, data, created_ms, state, ...}.
// Cost: log(n) + the page (by_user is ordered by user, then id).
const redis::Script& outbox_list() {
    static const redis::Script script(
        redis_lua::read_only(redis_lua::outbox(), std::string(outbox_keys) + R"lua(
local after, limit, user = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local ids
if user == '' then
  ids = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf', 'LIMIT', 0, limit)
else
  ids = {}
  local entries = redis.call('ZRANGEBYLEX', KEYS[4], '(' .. outbox_entry(user, after),
                             '[' .. user .. '\n\255', 'LIMIT', 0, limit)
  for _, entry in ipairs(entries) do
    ids[#ids + 1] = string.format('%d', tonumber(string.sub(entry, #user + 2)))
  end
end
local out = {}
for _, id in ipairs(ids) do
  local packed = redis.call('HGET', KEYS[3], id)
  if packed then
    local intent = cmsgpack.unpack(packed)
    out[#out + 1] = tonumber(id)
    for j = 1, 5 do out[#out + 1] = intent[j] end
    out[#out + 1] = redis.call('HGET', KEYS[3], 's' .. id) or ''
  end
end
return out
)lua"));
    return script;
}

// Given intents.   ARGV: ids.   Returns as outbox_list.
const redis::Script& outbox_get() {
    static const redis::Script script(redis_lua::read_only({}, R"lua(
local out = {}
for _, id in ipairs(ARGV) do
  local packed = redis.call('HGET', KEYS[3], id)
  if packed then
    local intent = cmsgpack.unpack(packed)
    out[#out + 1] = tonumber(id)
    for j = 1, 5 do out[#out + 1] = intent[j] end
    out[#out + 1] = redis.call('HGET', KEYS[3], 's' .. id) or ''
  end
end
return out
)lua"));
    return script;
}

// Compare and swap of delivery states: per intent, ARGV id, the state read, the state to write.
// Writes where the intent still exists with the state read.   Returns the ids written.
const redis::Script& outbox_swap() {
    static const redis::Script script(R"lua(
local out = {}
for i = 1, #ARGV, 3 do
  local id = ARGV[i]
  if redis.call('HEXISTS', KEYS[3], id) == 1 and
     (redis.call('HGET', KEYS[3], 's' .. id) or '') == ARGV[i + 1] then
    redis.call('HSET', KEYS[3], 's' .. id, ARGV[i + 2])
    out[#out + 1] = tonumber(id)
  end
end
return out
)lua");
    return script;
}

// Forgets intents.   ARGV: ids.   Returns how many there were.
const redis::Script& outbox_remove() {
    static const redis::Script script(outbox_script(R"lua(
local removed = 0
for _, id in ipairs(ARGV) do removed = removed + outbox_forget(k, id) end
return removed
)lua"));
    return script;
}

// Retention.   ARGV[1] the bound  ARGV[2] the cutoff (ms).   Returns how many were dropped.
const redis::Script& outbox_sweep() {
    static const redis::Script script(outbox_script(R"lua(
return outbox_trim(k, tonumber(ARGV[1]), tonumber(ARGV[2]))
)lua"));
    return script;
}

// Registers a device or replaces its target, keeping its first registration time.
//   KEYS[1] devices  KEYS[2] device   ARGV[1] id  [2] kind  [3] endpoint  [4] p256dh  [5] auth
//   [6] created_ms  [7] the most a user may have (0 = no cap)  [8] the other fields (JSON).
// Returns {1 created | 0 replaced, created_ms} or {-1} (too many).
const redis::Script& device_put() {
    static const redis::Script script(R"lua(
local created = redis.call('HGET', KEYS[2], 'created')
local fresh = 0
if not created then
  local max = tonumber(ARGV[7])
  if max > 0 and redis.call('ZCARD', KEYS[1]) >= max then return {-1} end
  created = ARGV[6]
  fresh = 1
  redis.call('ZADD', KEYS[1], 0, ARGV[1])
end
redis.call('HSET', KEYS[2], 'kind', ARGV[2], 'endpoint', ARGV[3], 'p256dh', ARGV[4],
           'auth', ARGV[5], 'created', created, 'extra', ARGV[8])
return {fresh, tonumber(created)}
)lua");
    return script;
}

//   KEYS[1] devices  KEYS[2] device   ARGV[1] id.   Returns 1 removed, 0 none.
const redis::Script& device_remove() {
    static const redis::Script script(R"lua(
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('DEL', KEYS[2])
return 1
)lua");
    return script;
}

// Every device of a user, ordered by id.   KEYS[1] devices  ARGV[1] the device key's prefix
// (the key of device X is ARGV[1] .. X, under the user's tag).
// Returns {id, kind, endpoint, p256dh, auth, created_ms, extra, ...}.
const redis::Script& devices_list() {
    static const redis::Script script(redis_lua::read_only({}, R"lua(
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local d = redis.call('HMGET', ARGV[1] .. id, 'kind', 'endpoint', 'p256dh', 'auth', 'created',
                      'extra')
  out[#out + 1] = id
  for j = 1, 4 do out[#out + 1] = d[j] or '' end
  out[#out + 1] = tonumber(d[5] or '0')
  out[#out + 1] = d[6] or ''
end
return out
)lua"));
    return script;
}

}  // namespace muster::store::redis_scripts
