#!lua flags=no-writes
-- The first non-empty name the user was given with a membership.
-- KEYS: member_names:<group> of each group to look in, in order.
-- Returns the name, or nil.
local user = ARGV[1]

for i = 1, #KEYS do
  local name = redis.call('HGET', KEYS[i], user)
  if name and name ~= '' then return name end
end
return false
