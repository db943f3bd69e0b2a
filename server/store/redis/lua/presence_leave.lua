-- This node's last connection of the user in the group left.
-- Returns 1 when the user is now online nowhere, else 0.
-- include lib/presence.lua
local online_key, nodes_key, names_key, users_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local node, user = ARGV[1], ARGV[2]

local k = {online = online_key, nodes = nodes_key, names = names_key, users = users_key}
presence_sweep(k, presence_now())
redis.call('ZREM', k.online, node .. '\n' .. user)
if presence_elsewhere(k, user) then return 0 end
presence_gone(k, user)
return 1
