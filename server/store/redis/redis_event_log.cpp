#include "store/redis/redis_event_log.hpp"

#include <algorithm>
#include <memory>
#include <utility>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "protocol/event_bytes.hpp"
#include "store/redis/lua_call.hpp"

namespace muster::store {
namespace {

metrics::Counter& appended_total() {
    static auto& counter = metrics::registry().counter(
        "muster_events_appended_total", "Events committed to the log (duplicates excluded)");
    return counter;
}

// Seqs are Lua numbers in the scripts: exact below 2^53, which no group will reach.
constexpr std::uint64_t max_seq = 1ULL << 53;

Status no_such_group(const std::string& group) {
    return {errc::not_found, "no such group: " + group};
}

Status malformed(const char* what) {
    return {errc::internal, std::string("redis: unexpected reply to ") + what};
}

std::string stream_id(std::uint64_t seq) {
    return std::to_string(seq) + "-0";
}

}  // namespace

RedisEventLog::RedisEventLog(redis::Client& client, const redis::Keys& keys, LogConfig config,
                             const Clock& clock)
    : client_(client)
    , keys_(keys)
    , config_(config)
    , clock_(clock)
    , trim_timer_(client.loop().io()) {
    appended_total();  // listed from the start, at 0
}

// ---- appending -------------------------------------------------------------------------------

void RedisEventLog::append(AppendRequest request, Done<Appended> done) {
    // The caller's thread does the CPU work (serialising); the Redis thread only sends.
    auto& event = request.event;
    const std::string group = event.group();
    if (group.empty()) {
        done(Status(errc::invalid_argument, "event without a group"));
        return;
    }
    const std::int64_t now = clock_.now_ms();
    event.set_seq(0);  // absent from the bytes: the script appends it
    if (event.time_ms() == 0) event.set_time_ms(now);
    std::string bytes;
    if (!event.SerializeToString(&bytes)) {
        done(Status(errc::internal, "cannot serialise event"));
        return;
    }
    const bool keyed = !request.idempotency_key.empty() && config_.idempotency_ttl_s > 0;
    const std::uint64_t ttl_s =
        std::min<std::uint64_t>(config_.idempotency_ttl_s, 100ULL * 365 * 86400);

    auto shared = std::make_shared<std::string>(bytes);  // the node's copy, seq appended later
    lua::run<lua::Append>(
        client_,
        {.seq_key = keys_.seq(group),
         .log_key = keys_.log(group),
         .idempotency_key =
             keyed ? keys_.idempotency(group, request.idempotency_user, request.idempotency_key)
                   : keys_.seq(group)},
        {.event = std::move(bytes),
         .ttl_s = keyed ? ttl_s : 0,
         .now_ms = now,
         .retention = config_.retention_events,
         .channel = keys_.group_channel(group),
         .time_ms = event.time_ms()},
        [this, group, shared, done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            const auto& r = *reply;
            std::int64_t outcome = 0;
            std::int64_t seq = 0;
            if (!r.is_array() || r.elements.empty() || !redis::as_integer(r.elements[0], outcome)) {
                done(malformed("append"));
                return;
            }
            if (outcome < 0) {
                done(no_such_group(group));
                return;
            }
            if (r.elements.size() < 2 || !redis::as_integer(r.elements[1], seq) || seq <= 0) {
                done(malformed("append"));
                return;
            }
            const auto assigned = static_cast<std::uint64_t>(seq);
            if (outcome == 0) {
                done(Appended{assigned, true, nullptr});
                return;
            }
            protocol::append_event_seq(*shared, assigned);
            appended_total().inc();
            // On a Redis Cluster, acknowledged once a replica has it (redis.cluster_wait_*).
            client_.connection().replicate(redis::hash_slot(keys_.seq(group)),
                                           [assigned, shared, done = std::move(done)] {
                                               done(Appended{assigned, false, shared});
                                           });
        });
}

// ---- reading ---------------------------------------------------------------------------------

void RedisEventLog::read_after(std::string group, std::uint64_t after_seq, std::uint32_t limit,
                               Done<LogRange> done) {
    read(std::move(group), true, after_seq, limit, std::move(done));
}

void RedisEventLog::read_before(std::string group, std::uint64_t before_seq, std::uint32_t limit,
                                Done<LogRange> done) {
    read(std::move(group), false, before_seq, limit, std::move(done));
}

void RedisEventLog::read(std::string group, bool after, std::uint64_t bound, std::uint32_t limit,
                         Done<LogRange> done) {
    // The first stream id of the page; a page that cannot hold anything asks for none (the
    // head and oldest seq are still read).
    std::string start;
    if (after) {
        if (bound >= max_seq) limit = 0;
        start = stream_id(std::min(bound, max_seq) + 1);
    } else if (bound > max_seq) {  // `newest` is the largest bound of all
        start = "+";
    } else {
        if (bound <= 1) limit = 0;
        start = stream_id(bound > 1 ? bound - 1 : 0);
    }
    // Built before the call: the callback takes `group` (arguments have no order).
    lua::ReadRange::Keys keys{.seq_key = keys_.seq(group), .log_key = keys_.log(group)};
    lua::run<lua::ReadRange>(
        client_, std::move(keys),
        {.direction = after ? "after" : "before", .first = std::move(start), .limit = limit},
        [group = std::move(group), after, done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            auto& r = *reply;
            std::int64_t latest = 0;
            std::int64_t oldest = 0;
            if (!r.is_array() || r.elements.empty() || !redis::as_integer(r.elements[0], latest)) {
                done(malformed("read"));
                return;
            }
            if (latest < 0) {
                done(no_such_group(group));
                return;
            }
            if (r.elements.size() < 2 || !redis::as_integer(r.elements[1], oldest)) {
                done(malformed("read"));
                return;
            }
            LogRange range;
            range.latest_seq = static_cast<std::uint64_t>(latest);
            range.oldest_seq = static_cast<std::uint64_t>(oldest);
            range.events.reserve(r.elements.size() - 2);
            for (std::size_t i = 2; i < r.elements.size(); ++i) {
                range.events.push_back(make_shared_bytes(std::move(r.elements[i].str)));
            }
            if (!after) std::reverse(range.events.begin(), range.events.end());
            done(std::move(range));
        },
        // Reads come right after a bus reset (catch-up): they may wait for this connection.
        true);
}

// ---- retention -------------------------------------------------------------------------------

void RedisEventLog::trim_now(Done<Unit> done) {
    const std::uint64_t age_s = config_.retention_age_s;
    const std::int64_t now = clock_.now_ms();
    if (age_s == 0 || age_s >= static_cast<std::uint64_t>(now) / 1000) {
        client_.loop().post([done = std::move(done)] { done(Unit{}); });
        return;
    }
    const std::string cutoff = std::to_string(now - static_cast<std::int64_t>(age_s) * 1000);
    client_.command({"HKEYS", keys_.groups()},
                    [this, cutoff, done = std::move(done)](Result<redis::Reply> groups) mutable {
                        if (!groups) {
                            done(groups.status());
                            return;
                        }
                        struct Progress {
                            std::size_t left = 0;
                            std::uint64_t trimmed = 0;
                            Status failure;
                            Done<Unit> done;
                        };
                        auto progress = std::make_shared<Progress>();
                        progress->left = groups->elements.size();
                        progress->done = std::move(done);
                        if (progress->left == 0) {
                            progress->done(Unit{});
                            return;
                        }
                        for (const auto& group : groups->elements) {
                            // On the loop thread already (this is a reply callback): straight to
                            // the connection.
                            lua::run<lua::TrimByAge>(
                                client_.connection(), {.log_key = keys_.log(group.str)},
                                {.cutoff_ms = cutoff}, [progress](Result<redis::Reply> result) {
                                    std::int64_t n = 0;
                                    if (!result) {
                                        progress->failure = result.status();
                                    } else if (redis::as_integer(*result, n)) {
                                        progress->trimmed += static_cast<std::uint64_t>(n);
                                    }
                                    if (--progress->left > 0) return;
                                    if (progress->trimmed > 0) {
                                        MUSTER_LOG_INFO("store") << "retention: trimmed "
                                                                 << progress->trimmed << " events";
                                    }
                                    if (progress->failure.ok()) {
                                        progress->done(Unit{});
                                    } else {
                                        progress->done(progress->failure);
                                    }
                                });
                        }
                    });
}

void RedisEventLog::start_trimming(std::chrono::seconds interval) {
    client_.loop().post([this, interval] {
        trim_interval_ = interval;
        if (interval.count() > 0) schedule_trim();
    });
}

void RedisEventLog::stop_trimming() {
    trim_interval_ = std::chrono::seconds(0);
    trim_timer_.cancel();
}

void RedisEventLog::schedule_trim() {
    trim_timer_.expires_after(trim_interval_);
    trim_timer_.async_wait([this](const boost::system::error_code& error) {
        if (error || trim_interval_.count() == 0) return;
        trim_now([](const Result<Unit>& result) {
            if (!result) {
                MUSTER_LOG_WARN("store") << "log retention failed: " << result.status().message();
            }
        });
        schedule_trim();
    });
}

}  // namespace muster::store
