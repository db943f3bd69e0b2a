#!lua flags=no-writes
-- The oldest intents after an id, of every user or of one (user '' = all).
-- Returns {id, user, title, body, data, created_ms, state, ...}.
-- Cost: log(n) + the page (by_user is ordered by user, then id).
-- include lib/outbox.lua
local _next_key, ids_key, data_key, by_user_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local after_text, limit_text, user = ARGV[1], ARGV[2], ARGV[3]

local after, limit = tonumber(after_text), tonumber(limit_text)
local ids
if user == '' then
  ids = redis.call('ZRANGEBYSCORE', ids_key, '(' .. after_text, '+inf', 'LIMIT', 0, limit)
else
  ids = {}
  local entries = redis.call('ZRANGEBYLEX', by_user_key, '(' .. outbox_entry(user, after),
                             '[' .. user .. '\n\255', 'LIMIT', 0, limit)
  for _, entry in ipairs(entries) do
    ids[#ids + 1] = string.format('%d', tonumber(string.sub(entry, #user + 2)))
  end
end
return outbox_rows(data_key, ids)
