-- Registers a device or replaces its target, keeping its first registration time.
-- max_per_user: the most a user may have (0 = no cap); extra: the other fields (JSON).
-- Returns {1 created | 0 replaced, created_ms, the extra it replaced ('' if none)} or {-1}
-- (too many): the caller drops the kinds the old extra listed from the kinds index.
local devices_key, device_key = KEYS[1], KEYS[2]
local id, kind, endpoint, p256dh = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local auth, created_ms, max_per_user, extra = ARGV[5], ARGV[6], ARGV[7], ARGV[8]

local old = redis.call('HMGET', device_key, 'created', 'extra')
local created = old[1]
local fresh = 0
if not created then
  local max = tonumber(max_per_user)
  if max > 0 and redis.call('ZCARD', devices_key) >= max then return {-1} end
  created = created_ms
  fresh = 1
  redis.call('ZADD', devices_key, 0, id)
end
redis.call('HSET', device_key, 'kind', kind, 'endpoint', endpoint, 'p256dh', p256dh,
           'auth', auth, 'created', created, 'extra', extra)
return {fresh, tonumber(created), old[2] or ''}
