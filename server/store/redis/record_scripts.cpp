#include "store/redis/record_scripts.hpp"

#include "core/metrics.hpp"
#include "store/redis/redis_lua.hpp"

namespace muster::store::redis_scripts {

// The layout of record_swap, built by RecordSwap::run() below and read by the script:
//   KEYS: the records (n), the index keys (m), per event its group's seq and log (2e), then,
//         with intents (p > 0), the outbox's next, ids, data, by_user.
//   ARGV[1..6]: n, m, e, p, log retention in events, the outbox's bound; then 2 per record
//   (version read, new value), 3 per index write (op, field, value), 4 per event (channel,
//   bytes, time_ms, seq field), 5 per intent (user, title, body, data, created_ms).
// Returns {0, seq per event..., intents dropped by the bound (with p > 0)}; {-7, i} record i
// changed (or appeared) since it was read; {-6, j} index write j ('n') found its field taken;
// {-5, k} event k's group does not exist.
const redis::Script& record_swap() {
    static const redis::Script script(std::string(redis_lua::append()) +
                                      std::string(redis_lua::outbox()) + R"lua(
local n, m, e, p = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local ar = 7
local ai = ar + 2 * n
local ae = ai + 3 * m
local ap = ae + 4 * e
for i = 1, n do
  local version = redis.call('HGET', KEYS[i], 'version')
  local expected = ARGV[ar + 2 * (i - 1)]
  if (expected == '' and version) or (expected ~= '' and version ~= expected) then
    return {-7, i}
  end
end
for j = 1, m do
  local op = ARGV[ai + 3 * (j - 1)]
  if op == 'n' and redis.call('HEXISTS', KEYS[n + j], ARGV[ai + 3 * (j - 1) + 1]) == 1 then
    return {-6, j}
  end
  if op ~= 'h' and op ~= 'n' and op ~= 'd' and op ~= 'z' and op ~= 'r' then
    return redis.error_reply('record_swap: no index write ' .. op)
  end
end
for k = 1, e do
  if redis.call('EXISTS', KEYS[n + m + 2 * k - 1]) == 0 then return {-5, k} end
end
for i = 1, n do
  local expected = ARGV[ar + 2 * (i - 1)]
  local version = 1
  if expected ~= '' then version = tonumber(expected) + 1 end
  redis.call('HSET', KEYS[i], 'record', ARGV[ar + 2 * (i - 1) + 1], 'version', version)
end
for j = 1, m do
  local b = ai + 3 * (j - 1)
  local op, key, field, value = ARGV[b], KEYS[n + j], ARGV[b + 1], ARGV[b + 2]
  if op == 'h' or op == 'n' then
    redis.call('HSET', key, field, value)
  elseif op == 'd' then
    redis.call('HDEL', key, field)
  elseif op == 'z' then
    redis.call('ZADD', key, value, field)
  else
    redis.call('ZREM', key, field)
  end
end
local out = {0}
for k = 1, e do
  local b = ae + 4 * (k - 1)
  local seq = muster_append(KEYS[n + m + 2 * k - 1], KEYS[n + m + 2 * k], ARGV[b], ARGV[b + 1],
                            ARGV[b + 2], ARGV[5])
  if ARGV[b + 3] ~= '' then redis.call('HSET', KEYS[1], ARGV[b + 3], seq) end
  out[#out + 1] = seq
end
if p > 0 then
  local base = n + m + 2 * e
  local k = {next = KEYS[base + 1], ids = KEYS[base + 2], data = KEYS[base + 3],
             by_user = KEYS[base + 4]}
  for q = 1, p do
    local b = ap + 5 * (q - 1)
    outbox_add(k, ARGV[b], ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], tonumber(ARGV[b + 4]))
  end
  out[#out + 1] = outbox_trim(k, tonumber(ARGV[6]), 0)
end
return out
)lua");
    return script;
}

const redis::Script& hashes_read() {
    static const redis::Script script(R"lua(#!lua flags=no-writes
local whole = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS do
  if i <= whole then
    out[i] = redis.call('HGETALL', KEYS[i])
  else
    out[i] = redis.call('HKEYS', KEYS[i])
  end
end
return out
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

const redis::Script& index_newest() {
    static const redis::Script script(R"lua(#!lua flags=no-writes
local want, limit = ARGV[1], tonumber(ARGV[2])
local out = {}
for k = 2, #KEYS do
  local found, start = 0, 0
  while found < limit do
    local batch = redis.call('ZREVRANGE', KEYS[k], start, start + 99, 'WITHSCORES')
    if #batch == 0 then break end
    for i = 1, #batch, 2 do
      if found < limit and (want == '' or redis.call('HGET', KEYS[1], batch[i]) == want) then
        out[#out + 1] = batch[i]
        out[#out + 1] = batch[i + 1]
        found = found + 1
      end
    end
    start = start + 100
  end
end
return out
)lua");
    return script;
}

}  // namespace muster::store::redis_scripts

namespace muster::store {

namespace {

metrics::Counter& conflicts_total() {
    static auto& counter = metrics::registry().counter(
        "muster_record_swap_conflicts_total",
        "Feature record swaps (duty calls, sign-in) that found the record changed by another "
        "writer and were not written (the rule runs again)");
    return counter;
}

}  // namespace

void RecordSwap::register_metrics() {
    conflicts_total();
}

void RecordSwap::run(redis::Client& client, const redis::Keys& keys, Done<Outcome> done) && {
    std::vector<std::string> k;
    std::vector<std::string> a{std::to_string(records.size()),   std::to_string(indexes.size()),
                               std::to_string(events.size()),    std::to_string(pushes.size()),
                               std::to_string(retention_events), std::to_string(max_intents)};
    for (auto& r : records) {
        k.push_back(std::move(r.key));
        a.push_back(std::move(r.version));
        a.push_back(std::move(r.value));
    }
    for (auto& i : indexes) {
        k.push_back(std::move(i.key));
        a.emplace_back(1, i.op);
        a.push_back(std::move(i.field));
        a.push_back(std::move(i.value));
    }
    for (auto& e : events) {
        k.push_back(keys.seq(e.group));
        k.push_back(keys.log(e.group));
        a.push_back(keys.group_channel(e.group));
        a.push_back(std::move(e.bytes));
        a.push_back(std::to_string(e.time_ms));
        a.push_back(std::move(e.seq_field));
    }
    if (!pushes.empty()) {
        for (auto key : {keys.push_next(), keys.push_ids(), keys.push_data(), keys.push_by_user()})
            k.push_back(std::move(key));
    }
    for (auto& intent : pushes) {
        a.push_back(std::move(intent.user));
        a.push_back(std::move(intent.title));
        a.push_back(std::move(intent.body));
        a.push_back(intent.data_json.empty() ? "{}" : std::move(intent.data_json));
        a.push_back(std::to_string(intent.created_ms));
    }
    const std::size_t appended = events.size();
    const bool pushed = !pushes.empty();
    client.run(
        redis_scripts::record_swap(), std::move(k), std::move(a),
        [appended, pushed, done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            std::int64_t code = 0;
            if (!reply->is_array() || reply->elements.empty() ||
                !redis::as_integer(reply->elements[0], code)) {
                done(Status{errc::internal, "redis: unexpected reply to record_swap"});
                return;
            }
            Outcome outcome;
            if (code != 0) {
                std::int64_t index = 0;
                if (reply->elements.size() > 1) redis::as_integer(reply->elements[1], index);
                outcome.index = index > 0 ? static_cast<std::size_t>(index - 1) : 0;
                switch (code) {
                    case -7:
                        outcome.kind = Outcome::Kind::changed;
                        conflicts_total().inc();
                        break;
                    case -6:
                        outcome.kind = Outcome::Kind::taken;
                        break;
                    case -5:
                        outcome.kind = Outcome::Kind::no_group;
                        break;
                    default:
                        done(Status{errc::internal, "redis: unexpected reply to record_swap"});
                        return;
                }
                done(std::move(outcome));
                return;
            }
            if (reply->elements.size() < 1 + appended) {
                done(Status{errc::internal, "redis: unexpected reply to record_swap"});
                return;
            }
            for (std::size_t i = 0; i < appended; ++i) {
                std::int64_t seq = 0;
                redis::as_integer(reply->elements[1 + i], seq);
                outcome.seqs.push_back(static_cast<std::uint64_t>(seq));
            }
            std::int64_t dropped = 0;
            if (pushed && reply->elements.size() > 1 + appended)
                redis::as_integer(reply->elements[1 + appended], dropped);
            outcome.dropped = dropped > 0 ? static_cast<std::uint64_t>(dropped) : 0;
            done(std::move(outcome));
        },
        true);
}

}  // namespace muster::store
