#!lua flags=no-writes
-- Every device of a user, ordered by id. The key of device X is device_prefix .. X, under
-- the user's tag. Returns {id, kind, endpoint, p256dh, auth, created_ms, extra, ...}.
local devices_key = KEYS[1]
local device_prefix = ARGV[1]

local out = {}
for _, id in ipairs(redis.call('ZRANGE', devices_key, 0, -1)) do
  local d = redis.call('HMGET', device_prefix .. id, 'kind', 'endpoint', 'p256dh', 'auth',
                      'created', 'extra')
  out[#out + 1] = id
  for j = 1, 4 do out[#out + 1] = d[j] or '' end
  out[#out + 1] = tonumber(d[5] or '0')
  out[#out + 1] = d[6] or ''
end
return out
