-- Appends one event: the next seq, the stream entry, the idempotency key, the publication, all
-- in one atomic step, so pub/sub order is seq order and nothing is half done.
-- idempotency_key: any key of the group when unused (ttl_s = 0); event: the serialised Event
-- without seq; now_ms: the node's clock; retention: in events (0 = unbounded).
-- Returns {1, seq} appended, {0, seq} a duplicate of seq, {-1} no such group.
--
-- The stored and published bytes are `event` followed by field 2 (tag 0x10) = seq as a varint
-- (muster_append, shared with every script that appends events): protobuf accepts fields in
-- any order (protocol/event_bytes.hpp does the same on the node). Seq is a Lua number (a
-- double): exact up to 2^53. Every write comes after every check, so a refused append changes
-- nothing.
-- include lib/append.lua
local seq_key, log_key, idempotency_key = KEYS[1], KEYS[2], KEYS[3]
local event, ttl_s, now_ms = ARGV[1], ARGV[2], ARGV[3]
local retention, channel, time_ms = ARGV[4], ARGV[5], ARGV[6]

if not redis.call('GET', seq_key) then return {-1} end
local ttl = tonumber(ttl_s)
local now = tonumber(now_ms)
if ttl > 0 then
  local seen = redis.call('GET', idempotency_key)
  if seen then
    local sep = string.find(seen, ':', 1, true)
    if tonumber(string.sub(seen, sep + 1)) > now then
      return {0, tonumber(string.sub(seen, 1, sep - 1))}
    end
  end
end
local seq = muster_append(seq_key, log_key, channel, event, time_ms, retention)
if ttl > 0 then
  redis.call('SET', idempotency_key, string.format('%d:%d', seq, now + ttl * 1000), 'EX', ttl_s)
end
return {1, seq}
