#!lua flags=no-writes
-- KEYS: hashes; the first `whole` are read whole (HGETALL), the rest as field names (HKEYS).
-- Returns one array per key, in one snapshot.
local whole_text = ARGV[1]

local whole = tonumber(whole_text)
local out = {}
for i = 1, #KEYS do
  if i <= whole then
    out[i] = redis.call('HGETALL', KEYS[i])
  else
    out[i] = redis.call('HKEYS', KEYS[i])
  end
end
return out
