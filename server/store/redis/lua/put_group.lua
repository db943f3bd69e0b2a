-- Creates or updates a group, refusing a missing parent and cycles (parent '' = a root).
-- Returns {0}, {-1, message} (NOT_FOUND) or {-2, message} (INVALID_ARGUMENT).
-- Cost: the depth of the new parent (the walk up to the root).
local groups_key, parents_key = KEYS[1], KEYS[2]
local id, name, parent = ARGV[1], ARGV[2], ARGV[3]

if parent ~= '' then
  if parent == id then return {-2, 'group ' .. id .. ' cannot be its own parent'} end
  if redis.call('HEXISTS', groups_key, parent) == 0 then
    return {-1, 'no such group: ' .. parent}
  end
  local at, steps = parent, 0
  while at and steps < 100000 do
    if at == id then
      return {-2, 'group ' .. id .. ' cannot move under ' .. parent ..
                  ': that is inside its own subtree'}
    end
    at = redis.call('HGET', parents_key, at)
    steps = steps + 1
  end
end
redis.call('HSET', groups_key, id, name)
if parent == '' then
  redis.call('HDEL', parents_key, id)
else
  redis.call('HSET', parents_key, id, parent)
end
return {0}
