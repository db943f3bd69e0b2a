#!lua flags=no-writes
-- Given intents (ARGV: their ids). Returns as outbox_list.lua.
-- include lib/outbox.lua
local _next_key, _ids_key, data_key, _by_user_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]

return outbox_rows(data_key, ARGV)
