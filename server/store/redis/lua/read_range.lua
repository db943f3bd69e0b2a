#!lua flags=no-writes
-- One consistent page of a group's log with its head and oldest retained seq.
-- direction: 'after' (XRANGE from `first` up) or 'before' (XREVRANGE from `first` down);
-- first: the first stream id of the page, inclusive ("<seq>-0"); limit: 0 = none.
-- Returns {latest, oldest, event...} (events in stream order: descending for 'before'), or
-- {-1} for no such group. oldest = latest + 1 when nothing is retained.
local seq_key, log_key = KEYS[1], KEYS[2]
local direction, first, limit = ARGV[1], ARGV[2], ARGV[3]

local head = redis.call('GET', seq_key)
if not head then return {-1} end
local latest = tonumber(head)
local oldest = latest + 1
local oldest_entry = redis.call('XRANGE', log_key, '-', '+', 'COUNT', 1)
if #oldest_entry > 0 then oldest = tonumber(string.match(oldest_entry[1][1], '^(%d+)')) end
local out = {latest, oldest}
if limit ~= '0' then
  local entries
  if direction == 'after' then
    entries = redis.call('XRANGE', log_key, first, '+', 'COUNT', limit)
  else
    entries = redis.call('XREVRANGE', log_key, first, '-', 'COUNT', limit)
  end
  for i = 1, #entries do
    local fields = entries[i][2]
    for j = 1, #fields, 2 do
      if fields[j] == 'e' then out[#out + 1] = fields[j + 1] end
    end
  end
end
return out
