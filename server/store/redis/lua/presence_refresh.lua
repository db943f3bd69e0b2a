-- The heartbeat of one node for one group: its users' entries live on, and the leaves it
-- could not write (Redis was away) are written now.
-- ARGV after the named: `present` pairs (user, name) present on the node, then users to drop.
-- Returns 1.
-- include lib/presence.lua
local online_key, nodes_key, names_key, users_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local node, ttl_ms, present = ARGV[1], ARGV[2], ARGV[3]

local k = {online = online_key, nodes = nodes_key, names = names_key, users = users_key}
local now = presence_now()
presence_sweep(k, now)
local expiry = now + tonumber(ttl_ms)
local n = tonumber(present)
for i = 4, 3 + 2 * n, 2 do
  redis.call('ZADD', k.online, expiry, node .. '\n' .. ARGV[i])
  redis.call('ZADD', k.users, 0, ARGV[i])
  if ARGV[i + 1] ~= '' then redis.call('HSET', k.names, ARGV[i], ARGV[i + 1]) end
end
for i = 4 + 2 * n, #ARGV do
  redis.call('ZREM', k.online, node .. '\n' .. ARGV[i])
  if not presence_elsewhere(k, ARGV[i]) then presence_gone(k, ARGV[i]) end
end
if n > 0 then
  redis.call('ZADD', k.nodes, expiry, node)
  for _, key in ipairs({k.online, k.nodes, k.names, k.users}) do
    redis.call('PEXPIRE', key, ttl_ms)
  end
end
return 1
