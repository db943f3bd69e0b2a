-- Adds a member or changes the role; a non-empty name replaces the one kept.
-- Returns {0} or {-1, message} (NOT_FOUND).
local groups_key, members_key = KEYS[1], KEYS[2]
local member_names_key, memberships_key = KEYS[3], KEYS[4]
local group, user, role, name = ARGV[1], ARGV[2], ARGV[3], ARGV[4]

if redis.call('HEXISTS', groups_key, group) == 0 then return {-1, 'no such group: ' .. group} end
redis.call('HSET', members_key, user, role)
if name ~= '' then redis.call('HSET', member_names_key, user, name) end
redis.call('HSET', memberships_key, group, role)
return {0}
