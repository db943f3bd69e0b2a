-- luacheck's settings for the Redis store's Lua scripts (server/store/redis/lua/). The ctest
-- lua_scripts_pass_luacheck checks every script as Redis runs it, its libraries in place (the
-- build writes them to build/server/gen/lua/), so that a call of a library a script does not
-- include is an undefined variable, and every library is checked in the scripts that use it.
std = "lua51"
-- What Redis gives a script (Lua 5.1 with these libraries), read-only: Redis refuses a script
-- that sets a global.
read_globals = {"redis", "KEYS", "ARGV", "cjson", "cmsgpack", "bit", "struct"}
max_line_length = 100
ignore = {
  -- A library's functions that the script including it does not call.
  "211/muster_.*", "211/presence_.*", "211/outbox_.*", "211/meeting_.*",
  -- A named position the script does not read (`_id`): named so that the layout is complete.
  "211/_.*",
}
