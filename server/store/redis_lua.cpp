#include "store/redis_lua.hpp"

namespace muster::store::redis_lua {

std::string_view append() {
    return R"lua(
local function muster_varint(n)
  local out = {}
  while n >= 128 do
    out[#out + 1] = string.char(n % 128 + 128)
    n = math.floor(n / 128)
  end
  out[#out + 1] = string.char(n)
  return table.concat(out)
end

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
)lua";
}

std::string_view protobuf() {
    return R"lua(
local function pb_uint(out, field, n)
  if n ~= nil and n ~= 0 then out[#out + 1] = muster_varint(field * 8) .. muster_varint(n) end
end

local function pb_bytes(out, field, s)
  if s ~= nil and s ~= '' then
    out[#out + 1] = muster_varint(field * 8 + 2) .. muster_varint(#s) .. s
  end
end

local function pb_repeated(out, field, list)
  for _, s in ipairs(list) do
    out[#out + 1] = muster_varint(field * 8 + 2) .. muster_varint(#s) .. s
  end
end

local function pb_message(field, bytes)
  return muster_varint(field * 8 + 2) .. muster_varint(#bytes) .. bytes
end
)lua";
}

std::string_view sort() {
    return R"lua(
local function muster_less(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

local function muster_sort(list)
  table.sort(list, muster_less)
  return list
end
)lua";
}

std::string_view outbox() {
    return R"lua(
local function outbox_entry(user, id)
  return user .. '\n' .. string.format('%020d', id)
end

local function outbox_add(k, user, title, body, data, created)
  local id = redis.call('INCR', k.next)
  redis.call('ZADD', k.ids, id, id)
  redis.call('HSET', k.data, id, cmsgpack.pack({user, title, body, data, created}))
  redis.call('ZADD', k.by_user, 0, outbox_entry(user, id))
  return id
end

local function outbox_forget(k, id)
  local packed = redis.call('HGET', k.data, id)
  redis.call('ZREM', k.ids, id)
  if not packed then return 0 end
  local intent = cmsgpack.unpack(packed)
  redis.call('HDEL', k.data, id, 's' .. id)
  redis.call('ZREM', k.by_user, outbox_entry(intent[1], tonumber(id)))
  return 1
end

-- The oldest beyond `max`, then those created before `cutoff` (0: none), at most 10000 a
-- call: a bounded pause of Redis; the next call goes on.
local function outbox_trim(k, max, cutoff)
  local dropped = 0
  local over = math.min(redis.call('ZCARD', k.ids) - max, 10000)
  if over > 0 then
    for _, id in ipairs(redis.call('ZRANGE', k.ids, 0, over - 1)) do
      dropped = dropped + outbox_forget(k, id)
    end
  end
  if cutoff > 0 then
    for _, id in ipairs(redis.call('ZRANGE', k.ids, 0, 9999)) do
      local packed = redis.call('HGET', k.data, id)
      if packed and cmsgpack.unpack(packed)[5] >= cutoff then break end
      dropped = dropped + outbox_forget(k, id)
    end
  end
  return dropped
end
)lua";
}

// The layout of every duty script (RedisDutyStore builds it):
//   KEYS[1] the call  [2] its answers  [3] its order  [4] {duty}:calls  [5] {duty}:all
//   [6] {duty}:active  [7] {duty}:states  [8] {dir}:users  [9..12] the outbox: next, ids,
//   data, by_user
//   then per target group i = 1..n, from 13 + 4(i-1): seq, log, {dir}:members:<g>, duty_calls
//   ARGV[1] n  [2] now (ms)  [3] log retention in events  [4] the call id
//   then per target group, from 5 + 2(i-1): its channel, the head of its event (the serialised
//   Event with group, time_ms, sender and sender_name: the payload and seq come here)
//   then the script's own arguments, from 5 + 2n (duty_targets() returns that index).
// The call's hash holds numbers as strings; duty_load() converts them.
std::string_view duty() {
    return R"lua(
local OPEN, FILLED, CLOSED, CANCELLED, EXPIRED = 1, 2, 3, 4, 5
local ACCEPT, DECLINE = 1, 2

local function duty_targets()
  local n = tonumber(ARGV[1])
  local targets = {}
  for i = 1, n do
    local k = 13 + 4 * (i - 1)
    local a = 5 + 2 * (i - 1)
    targets[i] = {seq = KEYS[k], log = KEYS[k + 1], members = KEYS[k + 2], calls = KEYS[k + 3],
                  channel = ARGV[a], head = ARGV[a + 1]}
  end
  return targets, 5 + 2 * n
end

local function duty_outbox()
  return {next = KEYS[9], ids = KEYS[10], data = KEYS[11], by_user = KEYS[12]}
end

local function duty_load()
  local flat = redis.call('HGETALL', KEYS[1])
  if #flat == 0 then return nil end
  local c = {}
  for i = 1, #flat, 2 do c[flat[i]] = flat[i + 1] end
  for _, field in ipairs({'state', 'slots', 'deadline', 'created_at', 'reminders',
                          'last_reminder', 'ordinal'}) do
    c[field] = tonumber(c[field] or '0')
  end
  c.waitlist = c.waitlist == '1'
  return c
end

-- A user's current answer, or nil.
local function duty_answer(user)
  local packed = redis.call('HGET', KEYS[2], user)
  if not packed then return nil end
  local r = cmsgpack.unpack(packed)
  return {answer = r[1], waitlisted = r[2] == 1, note = r[3], name = r[4], time = r[5],
          ordinal = r[6], seq = r[7]}
end

-- A new state, also in {duty}:states (listings) and {duty}:active (timers).
local function duty_set_state(c, state)
  c.state = state
  redis.call('HSET', KEYS[1], 'state', state)
  redis.call('HSET', KEYS[7], ARGV[4], state)
  if state ~= OPEN and state ~= FILLED then
    redis.call('HSET', KEYS[1], 'closed_at', ARGV[2])
    redis.call('ZREM', KEYS[6], ARGV[4])
  end
end

local function duty_save_answer(user, a)
  redis.call('HSET', KEYS[2], user, cmsgpack.pack({a.answer, a.waitlisted and 1 or 0, a.note,
                                                   a.name, a.time, a.ordinal, a.seq}))
  redis.call('ZADD', KEYS[3], a.ordinal, user)
end

-- Members of the target groups (each group's own, or all of them) but the creator who have
-- not answered.
local function duty_silent(c, members_key)
  local silent = {}
  for _, user in ipairs(redis.call('HKEYS', members_key)) do
    if user ~= c.created_by and redis.call('HEXISTS', KEYS[2], user) == 0 then
      silent[#silent + 1] = user
    end
  end
  return silent
end

-- The tally now. Cost: one pass over the answers and one over the audience.
local function duty_tally(c, targets)
  local t = {call_id = c.call_id, slots = c.slots, state = c.state, accepted_users = {},
             waitlisted_users = {}, declined = 0, pending = 0, user = '', answer = 0,
             reason = ''}
  if c.state == CLOSED or c.state == CANCELLED then t.reason = c.reason end
  for _, user in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
    local a = duty_answer(user)
    if a.answer == DECLINE then
      t.declined = t.declined + 1
    elseif a.waitlisted then
      t.waitlisted_users[#t.waitlisted_users + 1] = user
    else
      t.accepted_users[#t.accepted_users + 1] = user
    end
  end
  t.accepted = #t.accepted_users
  local seen = {}
  for _, target in ipairs(targets) do
    for _, user in ipairs(duty_silent(c, target.members)) do
      if not seen[user] then
        seen[user] = true
        t.pending = t.pending + 1
      end
    end
  end
  return t
end

-- muster.v1.DutyUpdate, fields in order.
local function duty_update_bytes(t)
  local out = {}
  pb_bytes(out, 1, t.call_id)
  pb_uint(out, 2, t.accepted)
  pb_uint(out, 3, t.declined)
  pb_uint(out, 4, t.pending)
  pb_uint(out, 5, t.slots)
  pb_uint(out, 6, t.state)
  pb_repeated(out, 7, t.accepted_users)
  pb_bytes(out, 8, t.user)
  pb_uint(out, 9, t.answer)
  pb_repeated(out, 10, t.waitlisted_users)
  pb_bytes(out, 11, t.reason)
  return table.concat(out)
end

-- One event in one target group: its head, then Event field `field` = `payload`.
local function duty_event(target, field, payload)
  return muster_append(target.seq, target.log, target.channel,
                       target.head .. pb_message(field, payload), ARGV[2], ARGV[3])
end

-- The same payload in every target group; the seq in the call's group (the first).
local function duty_announce(targets, field, payload)
  local first = 0
  for i, target in ipairs(targets) do
    local seq = duty_event(target, field, payload)
    if i == 1 then first = seq end
  end
  return first
end

-- Push intents for the users of `to` in `allowed` (a set).
local function duty_push(allowed, to, title, body, data, created, max)
  local k = duty_outbox()
  local pushed = 0
  for _, user in ipairs(to) do
    if allowed[user] then
      outbox_add(k, user, title, body, data, created)
      pushed = pushed + 1
    end
  end
  if pushed > 0 then outbox_trim(k, max, 0) end
  return pushed
end
)lua";
}

std::string read_only(std::string_view libraries, std::string_view body) {
    std::string script = "#!lua flags=no-writes\n";
    script.append(libraries).append(body);
    return script;
}

}  // namespace muster::store::redis_lua
