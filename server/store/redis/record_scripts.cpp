#include "store/redis/record_scripts.hpp"

namespace muster::store::redis_scripts {

const redis::Script& record_swap() {
    static const redis::Script script(R"lua(
local n = tonumber(ARGV[1])
for i = 1, n do
  local version = redis.call('HGET', KEYS[i], 'version')
  local expected = ARGV[2 * i]
  if (expected == '' and version) or (expected ~= '' and version ~= expected) then
    return {-7, i}
  end
end
for i = 1, n do
  local expected = ARGV[2 * i]
  local version = 1
  if expected ~= '' then version = tonumber(expected) + 1 end
  redis.call('HSET', KEYS[i], 'record', ARGV[2 * i + 1], 'version', version)
end
for j = n + 1, #KEYS do
  local a = 2 * n + 1 + 3 * (j - n - 1)
  if ARGV[a + 1] == 'h' then
    redis.call('HSET', KEYS[j], ARGV[a + 2], ARGV[a + 3])
  else
    redis.call('ZADD', KEYS[j], ARGV[a + 3], ARGV[a + 2])
  end
end
return {0}
)lua");
    return script;
}

const redis::Script& records_read() {
    static const redis::Script script(R"lua(#!lua flags=no-writes
local out = {}
for i = 1, #KEYS do
  local r = redis.call('HMGET', KEYS[i], 'record', 'version')
  out[#out + 1] = r[1] or ''
  out[#out + 1] = r[2] or ''
end
return out
)lua");
    return script;
}

}  // namespace muster::store::redis_scripts
