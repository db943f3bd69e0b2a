-- Claims a duty call's id for its targets ("\n"-joined; a unique entry: a call id is created
-- once across groups) and lists its group among those with calls (keys under {duty}).
-- Returns 1 when the id is now, or was already, claimed with these targets; the targets it
-- has when another create claimed it.
local calls_key, groups_key = KEYS[1], KEYS[2]
local id, targets, group = ARGV[1], ARGV[2], ARGV[3]

local have = redis.call('HGET', calls_key, id)
if have and have ~= targets then return have end
if not have then redis.call('HSET', calls_key, id, targets) end
redis.call('SADD', groups_key, group)
return 1
