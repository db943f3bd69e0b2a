-- Records a duty call's push intents, one per user (ARGV after the named, ids in their
-- order), only if the outbox took the call's push updates up to `push` - 1 and not `push`.
-- Returns {0, intents dropped by the bound}; {1} taken already; {-8, last} an earlier push
-- update is not taken yet (nothing written).
-- include lib/outbox.lua
local pushed_key = KEYS[1]
local next_key, ids_key, data_key, by_user_key = KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local id, push, bound, title = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local body, data, created_ms = ARGV[5], ARGV[6], ARGV[7]

local p = tonumber(push)
local last = tonumber(redis.call('HGET', pushed_key, id) or '0')
if last >= p then return {1} end
if last ~= p - 1 then return {-8, last} end
local k = {next = next_key, ids = ids_key, data = data_key, by_user = by_user_key}
local created = tonumber(created_ms)
for b = 8, #ARGV do
  outbox_add(k, ARGV[b], title, body, data, created)
end
redis.call('HSET', pushed_key, id, p)
return {0, outbox_trim(k, tonumber(bound), 0)}
