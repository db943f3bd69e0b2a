-- A node's entry in a sorted set of live entries, scored by when it expires (Redis' clock):
-- where a user is connected (user_nodes), or which node processes are alive (nodes_alive).
-- 'add' (also the heartbeat) puts or refreshes it and drops expired ones; 'remove' takes it
-- out. The key expires with its last entry. Returns 1.
local set_key = KEYS[1]
local node, ttl_ms, action = ARGV[1], ARGV[2], ARGV[3]

if action == 'remove' then
  redis.call('ZREM', set_key, node)
  return 1
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', set_key, '-inf', now)
redis.call('ZADD', set_key, now + tonumber(ttl_ms), node)
redis.call('PEXPIRE', set_key, ttl_ms)
return 1
