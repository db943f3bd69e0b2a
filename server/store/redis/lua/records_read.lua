#!lua flags=no-writes
-- KEYS: records, then the last `lists` keys: lists read whole (those record_swap's 'l' index
-- writes append to, such as a record's log of closed intervals), all in one snapshot.
-- Returns record, version for each record ('' when absent), then per list its length and its
-- items in order.
local lists_text = ARGV[1]

local lists = tonumber(lists_text)
local records = #KEYS - lists
local out = {}
for i = 1, records do
  local r = redis.call('HMGET', KEYS[i], 'record', 'version')
  out[#out + 1] = r[1] or ''
  out[#out + 1] = r[2] or ''
end
for i = records + 1, #KEYS do
  local items = redis.call('LRANGE', KEYS[i], 0, -1)
  out[#out + 1] = #items
  for _, item in ipairs(items) do out[#out + 1] = item end
end
return out
