#!lua flags=no-writes
-- KEYS after the named: sorted sets. From each, the members with the highest scores whose
-- value in `values_key` is `want` ('' = any), at most `per_set` of them.
-- Returns member, score, ... each set's highest scores first. Cost: the members scanned, 100
-- at a time, until enough.
local values_key = KEYS[1]
local want, per_set = ARGV[1], ARGV[2]

local limit = tonumber(per_set)
local out = {}
for k = 2, #KEYS do
  local found, start = 0, 0
  while found < limit do
    local batch = redis.call('ZREVRANGE', KEYS[k], start, start + 99, 'WITHSCORES')
    if #batch == 0 then break end
    for i = 1, #batch, 2 do
      if found < limit and (want == '' or redis.call('HGET', values_key, batch[i]) == want) then
        out[#out + 1] = batch[i]
        out[#out + 1] = batch[i + 1]
        found = found + 1
      end
    end
    start = start + 100
  end
end
return out
