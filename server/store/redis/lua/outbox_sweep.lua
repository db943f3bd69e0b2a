-- Retention: the outbox's bound, then intents created before cutoff_ms.
-- Returns how many were dropped.
-- include lib/outbox.lua
local next_key, ids_key, data_key, by_user_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local bound, cutoff_ms = ARGV[1], ARGV[2]

local k = {next = next_key, ids = ids_key, data = data_key, by_user = by_user_key}
return outbox_trim(k, tonumber(bound), tonumber(cutoff_ms))
