-- Presence of one group, k = {online=, nodes=, names=, users=} (redis/keys.hpp): `online` holds
-- "<node>\n<user>" per node where the user has a subscribed connection, scored by when the
-- entry expires (Redis' clock, ms); `nodes` the nodes with entries (same scores); `names` the
-- display names; `users` the index of who is online (score 0, so that ZRANGEBYLEX pages it by
-- user id and ZCARD counts it without reading it).

-- Redis' clock in ms.
local function presence_now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Whether any node still has a live entry for the user.
local function presence_elsewhere(k, user)
  for _, node in ipairs(redis.call('ZRANGE', k.nodes, 0, -1)) do
    if redis.call('ZSCORE', k.online, node .. '\n' .. user) then return true end
  end
  return false
end

-- Takes a user online nowhere out of the index and the names.
local function presence_gone(k, user)
  redis.call('ZREM', k.users, user)
  redis.call('HDEL', k.names, user)
end

-- Drops expired entries (a dead node's) and the users they were the last of. Amortised: each
-- entry is swept once, when it has expired.
local function presence_sweep(k, now)
  local expired = redis.call('ZRANGEBYSCORE', k.online, '-inf', now)
  redis.call('ZREMRANGEBYSCORE', k.online, '-inf', now)
  redis.call('ZREMRANGEBYSCORE', k.nodes, '-inf', now)
  for _, member in ipairs(expired) do
    local user = string.sub(member, string.find(member, '\n', 1, true) + 1)
    if not presence_elsewhere(k, user) then presence_gone(k, user) end
  end
end
