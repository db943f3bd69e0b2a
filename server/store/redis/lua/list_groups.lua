#!lua flags=no-writes
-- Every group. Returns {{id, name, ...}, {id, parent, ...}}.
local groups_key, parents_key = KEYS[1], KEYS[2]

return {redis.call('HGETALL', groups_key), redis.call('HGETALL', parents_key)}
