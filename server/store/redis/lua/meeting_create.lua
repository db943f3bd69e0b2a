-- A new meeting (version 1) and its first event, its id claimed (meeting_claim.lua), in the
-- group's hash tag. ARGV after the named: the closed attendance intervals.
-- Returns {0, seq (0: no event)}; {-5} no such group; {-6, record, scheduled seq} the meeting
-- exists already (the node decides whether this is a retry by the same host).
-- include lib/append.lua
-- include lib/meeting.lua
local meeting_key, attendance_key, seq_key, log_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local _id, record, phase, event = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local channel, time_ms, retention, _group = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local first_interval = 9

local m = {meeting = meeting_key, attendance = attendance_key, seq = seq_key, log = log_key,
           record = record, phase = phase, event = event, channel = channel, time_ms = time_ms,
           retention = retention}
if redis.call('EXISTS', meeting_key) == 1 then
  local earlier = redis.call('HMGET', meeting_key, 'record', 'scheduled_seq')
  return {-6, earlier[1], earlier[2] or '0'}
end
if redis.call('EXISTS', seq_key) == 0 then return {-5} end
local seq = meeting_write(m, 1, first_interval)
redis.call('HSET', meeting_key, 'scheduled_seq', seq)
return {0, seq}
