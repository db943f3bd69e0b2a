-- One page of who is online, by user id: O(limit + log members). after: exclusive ('' = from
-- the first); limit > 0. Returns {online, next, user, name, ...}: next is '' on the last page.
-- include lib/presence.lua
local online_key, nodes_key, names_key, users_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local after, limit_text = ARGV[1], ARGV[2]

local k = {online = online_key, nodes = nodes_key, names = names_key, users = users_key}
presence_sweep(k, presence_now())
local limit = tonumber(limit_text)
local from = '-'
if after ~= '' then from = '(' .. after end
local users = redis.call('ZRANGEBYLEX', k.users, from, '+', 'LIMIT', 0, limit + 1)
local out = {redis.call('ZCARD', k.users), ''}
for i = 1, math.min(#users, limit) do
  out[#out + 1] = users[i]
  out[#out + 1] = redis.call('HGET', k.names, users[i]) or ''
end
if #users > limit then out[2] = users[limit] end
return out
