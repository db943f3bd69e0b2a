// The duty-call scripts. Every one that changes a call takes its decision (state, slots,
// waiting list, reminder round) and appends the resulting events to every target group's log
// in ONE script: Redis runs a script atomically, so two nodes can never both take the last
// slot, and no tally on a log was rolled back. The shared layout of KEYS and ARGV, and the
// helpers, are redis_lua::duty() (redis_lua.cpp).
//
// Replies: {0, ...} on success; errors as {code, ...}:
//   -1 no such call   -2 the call is not OPEN or FILLED: {-2, state}   -3 past the deadline
//   -4 full: {-4, accepted, slots}   -5 no such target group: {-5, i}   -6 the id is taken
//
// A subtree call appends to several groups' logs, which live under several hash tags: fine on
// one Redis (or a primary with replicas), not on Redis Cluster (docs/ARCHITECTURE.md).

#include <string>

#include "store/redis_lua.hpp"
#include "store/redis_scripts.hpp"

namespace muster::store::redis_scripts {
namespace {

std::string with_duty_libraries(std::string_view body) {
    std::string script(redis_lua::append());
    script.append(redis_lua::protobuf())
        .append(redis_lua::sort())
        .append(redis_lua::outbox())
        .append(redis_lua::duty())
        .append(body);
    return script;
}

std::string read_only_duty(std::string_view body) {
    std::string libraries(redis_lua::append());
    libraries.append(redis_lua::protobuf())
        .append(redis_lua::sort())
        .append(redis_lua::outbox())
        .append(redis_lua::duty());
    return redis_lua::read_only(libraries, body);
}

}  // namespace

// Stores a new call and announces it (a DutyCall event) in every target group; push intents
// for the members of `to` in the audience.
//   own ARGV: body (DutyCall as announced), slots, waitlist (0|1), deadline, created_by,
//   created_at, title, the target groups "\n"-joined, push title, body, data, the outbox's
//   bound, then the users to push to.
// Returns {0, seq in the call's group, intents recorded, 0}; for a retry by the creator of the
// call with this id, {0, the original seq, 0, 1}; -5 or -6 (the id is someone else's) with
// nothing written.
const redis::Script& duty_create() {
    static const redis::Script script(with_duty_libraries(R"lua(
local targets, at = duty_targets()
local id = ARGV[4]
if redis.call('HEXISTS', KEYS[4], id) == 1 then
  -- A retry of a keyed create by its creator (core/ids.hpp keyed_id): the original seq.
  local origin = redis.call('HMGET', KEYS[1], 'created_by', 'seq')
  if origin[1] == ARGV[at + 4] then return {0, tonumber(origin[2]) or 0, 0, 1} end
  return {-6}
end
for i, target in ipairs(targets) do
  if redis.call('EXISTS', target.seq) == 0 then return {-5, i} end
end
local body, created, deadline, creator = ARGV[at], ARGV[at + 5], ARGV[at + 3], ARGV[at + 4]
redis.call('HSET', KEYS[1], 'call_id', id, 'body', body, 'state', OPEN, 'slots', ARGV[at + 1],
           'waitlist', ARGV[at + 2], 'deadline', deadline, 'created_by', creator,
           'created_at', created, 'title', ARGV[at + 6], 'reason', '', 'reminders', 0,
           'last_reminder', 0, 'closed_at', 0, 'ordinal', 0)
redis.call('HSET', KEYS[4], id, ARGV[at + 7])
redis.call('ZADD', KEYS[5], created, id)
redis.call('ZADD', KEYS[6], deadline, id)
redis.call('HSET', KEYS[7], id, OPEN)
for _, target in ipairs(targets) do redis.call('ZADD', target.calls, created, id) end
local seq = duty_announce(targets, 11, body)
redis.call('HSET', KEYS[1], 'seq', seq)
local pushed = 0
if #ARGV >= at + 12 then
  local c = {created_by = creator}
  local audience = {}
  for _, target in ipairs(targets) do
    for _, user in ipairs(duty_silent(c, target.members)) do audience[user] = true end
  end
  local to = {}
  for i = at + 12, #ARGV do to[#to + 1] = ARGV[i] end
  pushed = duty_push(audience, to, ARGV[at + 8], ARGV[at + 9], ARGV[at + 10], tonumber(created),
                     tonumber(ARGV[at + 11]))
end
return {0, seq, pushed, 0}
)lua"));
    return script;
}

// Records an answer (docs/PROTOCOL.md "Duty calls": the last answer wins; an accept takes a
// free slot, or waits, or is refused; a decline of a slot holder frees it for the longest
// waiting) and announces the new tally in every target group.
//   own ARGV: user, name, answer (1 ACCEPT | 2 DECLINE), note.
// Returns {0, seq, changed (0|1), waitlisted (0|1), previous state, DutyUpdate}; a repeat of
// the current answer changes nothing and returns the seq that recorded it.
const redis::Script& duty_respond() {
    static const redis::Script script(with_duty_libraries(R"lua(
local targets, at = duty_targets()
local now = tonumber(ARGV[2])
local user, name, answer, note = ARGV[at], ARGV[at + 1], tonumber(ARGV[at + 2]), ARGV[at + 3]
local c = duty_load()
if not c then return {-1} end
if c.state ~= OPEN and c.state ~= FILLED then return {-2, c.state} end
if now >= c.deadline then return {-3} end
local previous = duty_answer(user)
if previous and previous.answer == answer and previous.note == note then
  return {0, previous.seq, 0, previous.waitlisted and 1 or 0, c.state,
          duty_update_bytes(duty_tally(c, targets))}
end
local holders = 0
for _, u in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  local a = duty_answer(u)
  if a.answer == ACCEPT and not a.waitlisted then holders = holders + 1 end
end
local held = previous ~= nil and previous.answer == ACCEPT
local waitlisted, keep_place = false, false
if answer == ACCEPT then
  if held then
    waitlisted = previous.waitlisted
    keep_place = true
  elseif holders < c.slots then
    holders = holders + 1
  elseif c.waitlist then
    waitlisted = true
  else
    return {-4, holders, c.slots}
  end
elseif held and not previous.waitlisted then
  holders = holders - 1
end
local ordinal
if keep_place then
  ordinal = previous.ordinal
else
  ordinal = redis.call('HINCRBY', KEYS[1], 'ordinal', 1)
end
local mine = {answer = answer, waitlisted = waitlisted, note = note, name = name, time = now,
              ordinal = ordinal, seq = 0}
duty_save_answer(user, mine)
if holders < c.slots and c.waitlist then
  for _, u in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
    local a = duty_answer(u)
    if a.waitlisted and a.answer == ACCEPT then
      a.waitlisted = false
      duty_save_answer(u, a)
      holders = holders + 1
      break
    end
  end
end
local previous_state = c.state
local state = OPEN
if holders >= c.slots then state = FILLED end
if state ~= c.state then duty_set_state(c, state) end
local tally = duty_tally(c, targets)
tally.user = user
tally.answer = answer
local update = duty_update_bytes(tally)
mine.seq = duty_announce(targets, 12, update)
duty_save_answer(user, mine)
return {0, mine.seq, 1, waitlisted and 1 or 0, previous_state, update}
)lua"));
    return script;
}

// OPEN or FILLED -> CLOSED or CANCELLED, announced.   own ARGV: cancel (0|1), reason.
// Returns {0, seq, 1, 0, previous state, DutyUpdate}.
const redis::Script& duty_close() {
    static const redis::Script script(with_duty_libraries(R"lua(
local targets, at = duty_targets()
local c = duty_load()
if not c then return {-1} end
if c.state ~= OPEN and c.state ~= FILLED then return {-2, c.state} end
local previous_state = c.state
c.reason = ARGV[at + 1]
redis.call('HSET', KEYS[1], 'reason', c.reason)
if ARGV[at] == '1' then duty_set_state(c, CANCELLED) else duty_set_state(c, CLOSED) end
local update = duty_update_bytes(duty_tally(c, targets))
return {0, duty_announce(targets, 12, update), 1, 0, previous_state, update}
)lua"));
    return script;
}

// OPEN past its deadline -> EXPIRED, announced; anything else: nothing (any node may ask). A
// FILLED call past its deadline leaves {duty}:active (it needs no timer any more).
// Returns {0, seq (0: unchanged), changed, 0, previous state, DutyUpdate}.
const redis::Script& duty_expire() {
    static const redis::Script script(with_duty_libraries(R"lua(
local targets = duty_targets()
local now = tonumber(ARGV[2])
local c = duty_load()
if not c then return {-1} end
local previous_state = c.state
if c.state == OPEN and now >= c.deadline then
  duty_set_state(c, EXPIRED)
  local update = duty_update_bytes(duty_tally(c, targets))
  return {0, duty_announce(targets, 12, update), 1, 0, previous_state, update}
end
if c.state ~= OPEN and (c.state ~= FILLED or now >= c.deadline) then
  redis.call('ZREM', KEYS[6], ARGV[4])
end
return {0, 0, 0, 0, previous_state, duty_update_bytes(duty_tally(c, targets))}
)lua"));
    return script;
}

// Reminder round `round` of an OPEN call, once whoever asks: a DutyReminder in each target
// group naming its silent members (no event where there are none), push intents for the
// users of `to` among them.
//   own ARGV: round, push title, body, data, the outbox's bound, then the users to push to.
// Returns {0, sent (0|1), reminders sent, last reminder ms, state, deadline, intents recorded,
// reminded users...}.
const redis::Script& duty_remind() {
    static const redis::Script script(with_duty_libraries(R"lua(
local targets, at = duty_targets()
local now = tonumber(ARGV[2])
local round = tonumber(ARGV[at])
local c = duty_load()
if not c then return {-1} end
if c.state ~= OPEN or round ~= c.reminders + 1 or now >= c.deadline then
  return {0, 0, c.reminders, c.last_reminder, c.state, c.deadline, 0}
end
local everyone, users = {}, {}
for _, target in ipairs(targets) do
  local silent = muster_sort(duty_silent(c, target.members))
  if #silent > 0 then
    local reminder = {}
    pb_bytes(reminder, 1, c.call_id)
    pb_repeated(reminder, 2, silent)
    pb_uint(reminder, 3, round)
    pb_bytes(reminder, 4, c.title)
    duty_event(target, 15, table.concat(reminder))
    for _, user in ipairs(silent) do
      if not everyone[user] then
        everyone[user] = true
        users[#users + 1] = user
      end
    end
  end
end
redis.call('HSET', KEYS[1], 'reminders', round, 'last_reminder', now)
local to = {}
for i = at + 5, #ARGV do to[#to + 1] = ARGV[i] end
local pushed = duty_push(everyone, to, ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], now,
                         tonumber(ARGV[at + 4]))
local out = {0, 1, round, now, c.state, c.deadline, pushed}
for _, user in ipairs(muster_sort(users)) do out[#out + 1] = user end
return out
)lua"));
    return script;
}

// A call as stored, in one snapshot.   own ARGV: what: 'call' (no tally), 'summary' (the
// tally), 'record' (the tally and every answer) or 'silent' (the tally and the silent).
// Returns {0, body, state, reason, reminders, last reminder ms, DutyUpdate or '', items...}:
// 'record': per answer in the order they were last changed, user, answer, note, time_ms, name
// (the answer's, else the one the user connected with), waitlisted (0|1); 'silent': members
// of the target groups but the creator who have not answered, each once.
const redis::Script& duty_read() {
    static const redis::Script script(read_only_duty(R"lua(
local targets, at = duty_targets()
local what = ARGV[at]
local c = duty_load()
if not c then return {-1} end
local tally = ''
if what ~= 'call' then tally = duty_update_bytes(duty_tally(c, targets)) end
local out = {0, c.body, c.state, c.reason or '', c.reminders, c.last_reminder, tally}
if what == 'record' then
  for _, user in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
    local a = duty_answer(user)
    local name = a.name
    if name == '' then name = redis.call('HGET', KEYS[8], user) or '' end
    out[#out + 1] = user
    out[#out + 1] = a.answer
    out[#out + 1] = a.note
    out[#out + 1] = a.time
    out[#out + 1] = name
    out[#out + 1] = a.waitlisted and 1 or 0
  end
elseif what == 'silent' then
  local seen = {}
  for _, target in ipairs(targets) do
    for _, user in ipairs(duty_silent(c, target.members)) do
      if not seen[user] then
        seen[user] = true
        out[#out + 1] = user
      end
    end
  end
end
return out
)lua"));
    return script;
}

// The newest calls of each listed group (or of all), in a state or any.
//   KEYS[1] {duty}:states  KEYS[2..] duty_calls of each group (or {duty}:all)
//   ARGV[1] state (0 = any)  ARGV[2] limit per group.
// Returns {call, created_at, ...}, each group's newest first. Cost: the calls scanned, 100 at
// a time, until `limit` match.
const redis::Script& duty_list() {
    static const redis::Script script(redis_lua::read_only({}, R"lua(
local want, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local out = {}
for k = 2, #KEYS do
  local found, start = 0, 0
  while found < limit do
    local batch = redis.call('ZREVRANGE', KEYS[k], start, start + 99, 'WITHSCORES')
    if #batch == 0 then break end
    for i = 1, #batch, 2 do
      if found < limit and
         (want == 0 or tonumber(redis.call('HGET', KEYS[1], batch[i]) or '0') == want) then
        out[#out + 1] = batch[i]
        out[#out + 1] = batch[i + 1]
        found = found + 1
      end
    end
    start = start + 100
  end
end
return out
)lua"));
    return script;
}

// Distinct members of the groups.   KEYS: {dir}:members of each.   Returns {user, ...}.
const redis::Script& duty_audience() {
    static const redis::Script script(redis_lua::read_only({}, R"lua(
local seen, out = {}, {}
for _, key in ipairs(KEYS) do
  for _, user in ipairs(redis.call('HKEYS', key)) do
    if not seen[user] then
      seen[user] = true
      out[#out + 1] = user
    end
  end
end
return out
)lua"));
    return script;
}

}  // namespace muster::store::redis_scripts
