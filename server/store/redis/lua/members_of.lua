#!lua flags=no-writes
-- The members of a group with their role and name (the membership's, else the one the user
-- connected with). Returns {0, user, role, name, ...} or {-1} (no such group).
local groups_key, members_key = KEYS[1], KEYS[2]
local member_names_key, users_key = KEYS[3], KEYS[4]
local group = ARGV[1]

if redis.call('HEXISTS', groups_key, group) == 0 then return {-1} end
local members = redis.call('HGETALL', members_key)
local out = {0}
for i = 1, #members, 2 do
  local user = members[i]
  local name = redis.call('HGET', member_names_key, user)
  if not name or name == '' then name = redis.call('HGET', users_key, user) or '' end
  out[#out + 1] = user
  out[#out + 1] = members[i + 1]
  out[#out + 1] = name
end
return out
