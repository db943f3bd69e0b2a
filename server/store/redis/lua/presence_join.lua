-- This node has its first connection of the user subscribed to the group (presence: see
-- lib/presence.lua; every presence script sweeps expired entries first). The keys expire
-- with their last entry. Returns 1 when the user was online nowhere before, else 0.
-- include lib/presence.lua
local online_key, nodes_key, names_key, users_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local node, user, name, ttl_ms = ARGV[1], ARGV[2], ARGV[3], ARGV[4]

local k = {online = online_key, nodes = nodes_key, names = names_key, users = users_key}
local now = presence_now()
presence_sweep(k, now)
local elsewhere = presence_elsewhere(k, user)
local expiry = now + tonumber(ttl_ms)
redis.call('ZADD', k.online, expiry, node .. '\n' .. user)
redis.call('ZADD', k.nodes, expiry, node)
redis.call('ZADD', k.users, 0, user)
if name ~= '' then redis.call('HSET', k.names, user, name) end
for _, key in ipairs({k.online, k.nodes, k.names, k.users}) do
  redis.call('PEXPIRE', key, ttl_ms)
end
if elsewhere then return 0 end
return 1
