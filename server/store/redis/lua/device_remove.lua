-- Returns {1, the device's extra ('' if none)} removed, {0} none: the caller drops the kinds
-- the extra listed from the kinds index.
local devices_key, device_key = KEYS[1], KEYS[2]
local id = ARGV[1]

if redis.call('ZREM', devices_key, id) == 0 then return {0} end
local extra = redis.call('HGET', device_key, 'extra')
redis.call('DEL', device_key)
return {1, extra or ''}
