-- Forgets a carried update of a duty call (in the call's group's tag), and the call's pending
-- entry with the last one. Returns 1.
local out_key, pending_key = KEYS[1], KEYS[2]
local update, id = ARGV[1], ARGV[2]

redis.call('HDEL', out_key, update)
if redis.call('HLEN', out_key) == 0 then redis.call('ZREM', pending_key, id) end
return 1
