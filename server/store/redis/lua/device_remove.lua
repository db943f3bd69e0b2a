-- Returns 1 removed, 0 none.
local devices_key, device_key = KEYS[1], KEYS[2]
local id = ARGV[1]

if redis.call('ZREM', devices_key, id) == 0 then return 0 end
redis.call('DEL', device_key)
return 1
