-- Returns how many users are online in the group.
-- include lib/presence.lua
local online_key, nodes_key, names_key, users_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]

local k = {online = online_key, nodes = nodes_key, names = names_key, users = users_key}
presence_sweep(k, presence_now())
return redis.call('ZCARD', k.users)
