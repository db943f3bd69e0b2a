-- Appending an event to a group's log, the same way for every script that appends (the chat
-- append, the generic record swap of features, the meeting scripts, a duty call's fan-out), so
-- that an event of any kind gets its seq, stream entry and PUBLISH exactly as a chat message.

-- protobuf's base-128 varint of an integer 0..2^53.
local function muster_varint(n)
  local out = {}
  while n >= 128 do
    out[#out + 1] = string.char(n % 128 + 128)
    n = math.floor(n / 128)
  end
  out[#out + 1] = string.char(n)
  return table.concat(out)
end

-- INCR, XADD (trimmed to about `retention` events; '0' = unbounded), PUBLISH of `event` with
-- field 2 (seq) appended. The caller checks first that the group exists (its seq key).
-- Returns the seq.
local function muster_append(seq_key, log_key, channel, event, time_ms, retention)
  local seq = redis.call('INCR', seq_key)
  local bytes = event .. '\16' .. muster_varint(seq)
  local id = string.format('%d-0', seq)
  if retention ~= '0' then
    redis.call('XADD', log_key, 'MAXLEN', '~', retention, id, 't', time_ms, 'e', bytes)
  else
    redis.call('XADD', log_key, id, 't', time_ms, 'e', bytes)
  end
  redis.call('PUBLISH', channel, bytes)
  return seq
end
