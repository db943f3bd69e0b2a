-- The generic version-checked swap of feature records (store/redis/record_scripts.hpp says
-- what it does; RecordSwap::run builds the call). After the named counts, ARGV holds 2 per
-- record (version read, new value), 3 per index write (op, field, value), 4 per event
-- (channel, bytes, time_ms, seq field) and 5 per intent (user, title, body, data, created_ms).
-- KEYS: the records (n), the index keys (m), per event its group's seq and log (2e), then,
-- with intents (p > 0), the outbox's next, ids, data, by_user.
-- Returns {0, seq per event..., intents dropped by the bound (with p > 0)}; {-7, i} record i
-- changed (or appeared) since it was read; {-6, j} index write j ('n') found its field taken;
-- {-8, j} index check j ('e') found its field not holding its value; {-5, k} event k's group
-- does not exist.
-- include lib/append.lua
-- include lib/outbox.lua
local records_text, indexes_text, events_text, intents_text = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local retention, bound = ARGV[5], ARGV[6]

local n, m = tonumber(records_text), tonumber(indexes_text)
local e, p = tonumber(events_text), tonumber(intents_text)
local first_record = 1  -- the records are KEYS[1..n]; an event's seq field goes to the first
local ar = 7            -- where the records' pairs start in ARGV
local ai = ar + 2 * n
local ae = ai + 3 * m
local ap = ae + 4 * e
for i = 1, n do
  local version = redis.call('HGET', KEYS[i], 'version')
  local expected = ARGV[ar + 2 * (i - 1)]
  if (expected == '' and version) or (expected ~= '' and version ~= expected) then
    return {-7, i}
  end
end
local known = {h = true, n = true, e = true, d = true, z = true, r = true, s = true, x = true,
               l = true}
for j = 1, m do
  local b = ai + 3 * (j - 1)
  local op = ARGV[b]
  if not known[op] then return redis.error_reply('record_swap: no index write ' .. op) end
  if op == 'n' and redis.call('HEXISTS', KEYS[n + j], ARGV[b + 1]) == 1 then return {-6, j} end
  if op == 'e' and redis.call('HGET', KEYS[n + j], ARGV[b + 1]) ~= ARGV[b + 2] then
    return {-8, j}
  end
end
for k = 1, e do
  if redis.call('EXISTS', KEYS[n + m + 2 * k - 1]) == 0 then return {-5, k} end
end
for i = 1, n do
  local expected = ARGV[ar + 2 * (i - 1)]
  local version = 1
  if expected ~= '' then version = tonumber(expected) + 1 end
  redis.call('HSET', KEYS[i], 'record', ARGV[ar + 2 * (i - 1) + 1], 'version', version)
end
for j = 1, m do
  local b = ai + 3 * (j - 1)
  local op, key, field, value = ARGV[b], KEYS[n + j], ARGV[b + 1], ARGV[b + 2]
  if op == 'h' or op == 'n' then
    redis.call('HSET', key, field, value)
  elseif op == 'd' then
    redis.call('HDEL', key, field)
  elseif op == 'z' then
    redis.call('ZADD', key, value, field)
  elseif op == 'r' then
    redis.call('ZREM', key, field)
  elseif op == 's' then
    redis.call('SADD', key, field)
  elseif op == 'x' then
    redis.call('SREM', key, field)
  elseif op == 'l' then
    redis.call('RPUSH', key, value)
  end  -- 'e' writes nothing: it was a check
end
local out = {0}
for k = 1, e do
  local b = ae + 4 * (k - 1)
  local seq = muster_append(KEYS[n + m + 2 * k - 1], KEYS[n + m + 2 * k], ARGV[b], ARGV[b + 1],
                            ARGV[b + 2], retention)
  if ARGV[b + 3] ~= '' then redis.call('HSET', KEYS[first_record], ARGV[b + 3], seq) end
  out[#out + 1] = seq
end
if p > 0 then
  local base = n + m + 2 * e
  local k = {next = KEYS[base + 1], ids = KEYS[base + 2], data = KEYS[base + 3],
             by_user = KEYS[base + 4]}
  for q = 1, p do
    local b = ap + 5 * (q - 1)
    outbox_add(k, ARGV[b], ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], tonumber(ARGV[b + 4]))
  end
  out[#out + 1] = outbox_trim(k, tonumber(bound), 0)
end
return out
