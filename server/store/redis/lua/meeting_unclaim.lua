-- Lets a claim go when its create found no group. Returns 0.
local groups_key, unfinished_key = KEYS[1], KEYS[2]
local id, group = ARGV[1], ARGV[2]

if redis.call('HGET', groups_key, id) == group then
  redis.call('HDEL', groups_key, id)
  redis.call('SREM', unfinished_key, id)
end
return 0
