#include "store/redis/redis_lua.hpp"

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

std::string_view presence() {
    return R"lua(
local function presence_now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function presence_elsewhere(k, user)
  for _, node in ipairs(redis.call('ZRANGE', k.nodes, 0, -1)) do
    if redis.call('ZSCORE', k.online, node .. '\n' .. user) then return true end
  end
  return false
end

local function presence_gone(k, user)
  redis.call('ZREM', k.users, user)
  redis.call('HDEL', k.names, user)
end

-- Amortised: each entry is swept once, when it has expired.
local function presence_sweep(k, now)
  local expired = redis.call('ZRANGEBYSCORE', k.online, '-inf', now)
  redis.call('ZREMRANGEBYSCORE', k.online, '-inf', now)
  redis.call('ZREMRANGEBYSCORE', k.nodes, '-inf', now)
  for _, member in ipairs(expired) do
    local user = string.sub(member, string.find(member, '\n', 1, true) + 1)
    if not presence_elsewhere(k, user) then presence_gone(k, user) end
  end
end

local function presence_keys()
  return {online = KEYS[1], nodes = KEYS[2], names = KEYS[3], users = KEYS[4]}
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

std::string read_only(std::string_view libraries, std::string_view body) {
    std::string script = "#!lua flags=no-writes\n";
    script.append(libraries).append(body);
    return script;
}

}  // namespace muster::store::redis_lua
