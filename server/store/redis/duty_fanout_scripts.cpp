#include "store/redis/duty_fanout_scripts.hpp"

#include <string>

#include "store/redis/redis_lua.hpp"

namespace muster::store::redis_scripts {

const redis::Script& duty_claim() {
    static const redis::Script script(R"lua(
local have = redis.call('HGET', KEYS[1], ARGV[1])
if have and have ~= ARGV[2] then return have end
if not have then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
redis.call('SADD', KEYS[2], ARGV[3])
return 1
)lua");
    return script;
}

const redis::Script& duty_fanout() {
    static const redis::Script script(std::string(redis_lua::append()) + R"lua(
local id, u = ARGV[1], tonumber(ARGV[2])
local last = tonumber(redis.call('HGET', KEYS[3], id) or '0')
if last >= u then return {1} end
if last ~= u - 1 then return {-8, last} end
if redis.call('EXISTS', KEYS[1]) == 0 then return {-5} end
redis.call('ZADD', KEYS[4], ARGV[3], id)
redis.call('HSET', KEYS[5], id, ARGV[4])
local out = {0}
for b = 6, #ARGV, 3 do
  out[#out + 1] = muster_append(KEYS[1], KEYS[2], ARGV[b], ARGV[b + 1], ARGV[b + 2], ARGV[5])
end
redis.call('HSET', KEYS[3], id, u)
return out
)lua");
    return script;
}

const redis::Script& duty_push_move() {
    static const redis::Script script(std::string(redis_lua::outbox()) + R"lua(
local id, p = ARGV[1], tonumber(ARGV[2])
local last = tonumber(redis.call('HGET', KEYS[1], id) or '0')
if last >= p then return {1} end
if last ~= p - 1 then return {-8, last} end
local k = {next = KEYS[2], ids = KEYS[3], data = KEYS[4], by_user = KEYS[5]}
local created = tonumber(ARGV[7])
for b = 8, #ARGV do
  outbox_add(k, ARGV[b], ARGV[4], ARGV[5], ARGV[6], created)
end
redis.call('HSET', KEYS[1], id, p)
return {0, outbox_trim(k, tonumber(ARGV[3]), 0)}
)lua");
    return script;
}

const redis::Script& duty_fanned() {
    static const redis::Script script(R"lua(
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('ZREM', KEYS[2], ARGV[2]) end
return 1
)lua");
    return script;
}

}  // namespace muster::store::redis_scripts
