-- A meeting is one record (a serialised MeetingRecord) with a version; meeting_create.lua and
-- meeting_swap.lua write it with meeting_write (needs lib/append.lua).

-- Writes the record with its version and phase, appends the closed attendance intervals
-- (ARGV from `first_interval` on) and the MeetingUpdate event ('' = none) to the group's log.
-- m = {meeting=, attendance=, seq=, log=, record=, phase=, event=, channel=, time_ms=,
-- retention=}. Returns the event's seq, or 0 without an event.
local function meeting_write(m, version, first_interval)
  redis.call('HSET', m.meeting, 'record', m.record, 'version', version, 'phase', m.phase)
  for i = first_interval, #ARGV do redis.call('RPUSH', m.attendance, ARGV[i]) end
  if m.event == '' then return 0 end
  return muster_append(m.seq, m.log, m.channel, m.event, m.time_ms, m.retention)
end
