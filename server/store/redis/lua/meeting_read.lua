#!lua flags=no-writes
-- The record and its version, with the closed intervals when `with` is 'attendance'.
-- Returns {0, record, version, interval...} or {-1} (no such meeting).
local meeting_key, attendance_key = KEYS[1], KEYS[2]
local with = ARGV[1]

local got = redis.call('HMGET', meeting_key, 'record', 'version')
if not got[1] then return {-1} end
local out = {0, got[1], got[2]}
if with == 'attendance' then
  for _, interval in ipairs(redis.call('LRANGE', attendance_key, 0, -1)) do
    out[#out + 1] = interval
  end
end
return out
