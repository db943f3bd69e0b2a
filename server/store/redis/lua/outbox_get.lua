#!lua flags=no-writes
-- Given intents (ARGV: their ids). Returns as outbox_list.lua.
local _next_key, _ids_key, data_key, _by_user_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]

local out = {}
for _, id in ipairs(ARGV) do
  local packed = redis.call('HGET', data_key, id)
  if packed then
    local intent = cmsgpack.unpack(packed)
    out[#out + 1] = tonumber(id)
    for j = 1, 5 do out[#out + 1] = intent[j] end
    out[#out + 1] = redis.call('HGET', data_key, 's' .. id) or ''
  end
end
return out
