-- The push outbox, k = {next=, ids=, data=, by_user=} (redis/keys.hpp). An intent's delivery
-- state (the push worker's, opaque here) is the field 's<id>' of data, beside the intent's own
-- field '<id>'; outbox_forget() drops both.

-- The entry of an intent in by_user (ordered by user, then id).
local function outbox_entry(user, id)
  return user .. '\n' .. string.format('%020d', id)
end

-- The intents of `ids` that data holds, in that order, each as id, user, title, body, data,
-- created_ms, state ('' before the worker's first); ids no longer there are left out.
local function outbox_rows(data_key, ids)
  local out = {}
  for _, id in ipairs(ids) do
    local packed = redis.call('HGET', data_key, id)
    if packed then
      local intent = cmsgpack.unpack(packed)
      out[#out + 1] = tonumber(id)
      for j = 1, 5 do out[#out + 1] = intent[j] end
      out[#out + 1] = redis.call('HGET', data_key, 's' .. id) or ''
    end
  end
  return out
end

-- Records an intent. Returns its id.
local function outbox_add(k, user, title, body, data, created)
  local id = redis.call('INCR', k.next)
  redis.call('ZADD', k.ids, id, id)
  redis.call('HSET', k.data, id, cmsgpack.pack({user, title, body, data, created}))
  redis.call('ZADD', k.by_user, 0, outbox_entry(user, id))
  return id
end

-- Forgets an intent. Returns 1, or 0 when there was none.
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
-- call: a bounded pause of Redis; the next call goes on. Returns how many were dropped.
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
