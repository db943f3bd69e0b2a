#!lua flags=no-writes
-- KEYS: records. Returns record, version for each ('' when absent).
local out = {}
for i = 1, #KEYS do
  local r = redis.call('HMGET', KEYS[i], 'record', 'version')
  out[#out + 1] = r[1] or ''
  out[#out + 1] = r[2] or ''
end
return out
