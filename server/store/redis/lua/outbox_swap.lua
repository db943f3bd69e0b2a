-- Compare and swap of delivery states: ARGV is, per intent, its id, the state read and the
-- state to write. Writes where the intent still exists with the state read.
-- Returns the ids written.
local _next_key, _ids_key, data_key, _by_user_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]

local out = {}
for i = 1, #ARGV, 3 do
  local id = ARGV[i]
  if redis.call('HEXISTS', data_key, id) == 1 and
     (redis.call('HGET', data_key, 's' .. id) or '') == ARGV[i + 1] then
    redis.call('HSET', data_key, 's' .. id, ARGV[i + 2])
    out[#out + 1] = tonumber(id)
  end
end
return out
