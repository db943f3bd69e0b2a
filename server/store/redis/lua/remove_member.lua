-- Removes a member. Returns {0} or {-1, message} (NOT_FOUND: not a member).
local members_key, member_names_key, memberships_key = KEYS[1], KEYS[2], KEYS[3]
local group, user = ARGV[1], ARGV[2]

if redis.call('HDEL', members_key, user) == 0 then
  return {-1, user .. ' is not a member of ' .. group}
end
redis.call('HDEL', member_names_key, user)
redis.call('HDEL', memberships_key, group)
return {0}
