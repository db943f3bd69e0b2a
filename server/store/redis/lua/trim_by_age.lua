-- Retention by age: deletes the prefix of the log up to the first event young enough to keep
-- (clocks may step back: a later event that looks older is kept with it). Events with
-- t < cutoff_ms go. Returns the number of events deleted. Cost: the deleted entries plus one,
-- scanned at most 10000 per run (the next run continues), so that one run never stalls Redis
-- for long.
local log_key = KEYS[1]
local cutoff_ms = ARGV[1]

local cutoff = tonumber(cutoff_ms)
local start = '-'
local scanned = 0
local last = nil
while scanned < 10000 do
  local batch = redis.call('XRANGE', log_key, start, '+', 'COUNT', 100)
  if #batch == 0 then break end
  for i = 1, #batch do
    local fields = batch[i][2]
    local t = nil
    for j = 1, #fields, 2 do
      if fields[j] == 't' then t = tonumber(fields[j + 1]) end
    end
    if t ~= nil and t >= cutoff then
      return redis.call('XTRIM', log_key, 'MINID', batch[i][1])
    end
    last = batch[i][1]
  end
  scanned = scanned + #batch
  start = '(' .. last
end
if last == nil then return 0 end
local seq = tonumber(string.match(last, '^(%d+)'))
return redis.call('XTRIM', log_key, 'MINID', string.format('%d-0', seq + 1))
