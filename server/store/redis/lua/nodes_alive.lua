#!lua flags=no-writes
-- Returns the nodes whose entry (live_entry.lua) has not expired.
local nodes_key = KEYS[1]

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', nodes_key, '(' .. now, '+inf')
