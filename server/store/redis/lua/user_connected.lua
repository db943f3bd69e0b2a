#!lua flags=no-writes
-- Returns 1 when some node has a live entry for the user (live_entry.lua), else 0.
local user_nodes_key = KEYS[1]

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZCOUNT', user_nodes_key, '(' .. now, '+inf') > 0 then return 1 end
return 0
