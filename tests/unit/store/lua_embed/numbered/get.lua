-- Reads KEYS[2] by number: refused (every position is read through its name).
local first_key = KEYS[1]

return redis.call('MGET', first_key, KEYS[2])
