-- Names KEYS[1] and KEYS[3] but not KEYS[2]: refused.
local first_key, third_key = KEYS[1], KEYS[3]

return redis.call('MGET', first_key, third_key)
