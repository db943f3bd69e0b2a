-- One target group's part of a duty call's second step (store/redis/redis_duty_fanout.hpp).
-- Like duty_claim.lua, duty_push_move.lua and duty_fanned.lua it keeps to one hash tag (so
-- that it runs on a Redis Cluster) and is idempotent (a retry after a partial failure
-- completes the step without writing anything twice); no duty rule is in them: they check
-- numbers and write what they are given. This one
-- appends the events and records the call in the group's listing only if the group took the
-- call's updates up to `update` - 1 and not `update`. ARGV after the named: 3 per event
-- (channel, bytes without seq, time_ms).
-- Returns {0, seq per event...}; {1} the update was taken already; {-8, last} an earlier
-- update is not taken yet (nothing written); {-5} the group does not exist (nothing written).
-- include lib/append.lua
local seq_key, log_key, fanned_key = KEYS[1], KEYS[2], KEYS[3]
local calls_key, states_key = KEYS[4], KEYS[5]
local id, update, created_at_ms, state, retention = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]

local u = tonumber(update)
local last = tonumber(redis.call('HGET', fanned_key, id) or '0')
if last >= u then return {1} end
if last ~= u - 1 then return {-8, last} end
if redis.call('EXISTS', seq_key) == 0 then return {-5} end
redis.call('ZADD', calls_key, created_at_ms, id)
redis.call('HSET', states_key, id, state)
local out = {0}
for b = 6, #ARGV, 3 do
  out[#out + 1] = muster_append(seq_key, log_key, ARGV[b], ARGV[b + 1], ARGV[b + 2], retention)
end
redis.call('HSET', fanned_key, id, u)
return out
