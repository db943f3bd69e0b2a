-- Claims a meeting id for a group, and counts it unfinished, before its record is created
-- (keys under {meetings}). Returns '' when claimed now, else the group that holds it.
--
-- Every meeting script touches one Redis Cluster slot: the record scripts the group's tag,
-- the index scripts {meetings}. A crash between this claim and meeting_create.lua leaves a
-- claim without a record (read as "no such meeting"; a retry of the create completes it); the
-- unfinished set is left by a separate command after the swap that ended the meeting, so a
-- crash there leaves an ended meeting in the set (unfinished() reads records and skips it).
local groups_key, unfinished_key = KEYS[1], KEYS[2]
local id, group = ARGV[1], ARGV[2]

local owner = redis.call('HGET', groups_key, id)
if owner then return owner end
redis.call('HSET', groups_key, id, group)
redis.call('SADD', unfinished_key, id)
return ''
