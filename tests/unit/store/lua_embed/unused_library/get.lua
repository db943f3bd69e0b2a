-- Includes a library and calls none of its functions: refused.
-- include lib/helpers.lua
local first_key = KEYS[1]

return redis.call('GET', first_key)
