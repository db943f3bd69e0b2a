-- Forgets intents (ARGV: their ids). Returns how many there were.
-- include lib/outbox.lua
local next_key, ids_key, data_key, by_user_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]

local k = {next = next_key, ids = ids_key, data = data_key, by_user = by_user_key}
local removed = 0
for _, id in ipairs(ARGV) do removed = removed + outbox_forget(k, id) end
return removed
