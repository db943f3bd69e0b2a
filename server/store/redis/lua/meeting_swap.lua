-- The changed record, if nobody changed it since `expected_version` was read (compare and
-- swap), with its closed attendance intervals (ARGV after the named) and its event, atomically.
-- A concurrent change makes the swap fail and the store runs the feature's rule again on the
-- new record. Returns {0, seq (0: no event)}; {-1} no such meeting; {-7} changed since read.
-- include lib/append.lua
-- include lib/meeting.lua
local meeting_key, attendance_key, seq_key, log_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local _id, record, phase, event = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local channel, time_ms, retention, expected_version = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local first_interval = 9

local m = {meeting = meeting_key, attendance = attendance_key, seq = seq_key, log = log_key,
           record = record, phase = phase, event = event, channel = channel, time_ms = time_ms,
           retention = retention}
local version = redis.call('HGET', meeting_key, 'version')
if not version then return {-1} end
if version ~= expected_version then return {-7} end
return {0, meeting_write(m, tonumber(version) + 1, first_interval)}
