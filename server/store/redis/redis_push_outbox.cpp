#include "store/redis/redis_push_outbox.hpp"

#include <future>
#include <memory>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "store/push_outbox_metrics.hpp"
#include "store/redis/lua_call.hpp"

namespace muster::store {
namespace {

using push_outbox_metrics::dropped_total;
using push_outbox_metrics::enqueued_total;

Status malformed(const char* what) {
    return {errc::internal, std::string("redis: unexpected reply to ") + what};
}

void count_dropped(std::int64_t dropped) {
    if (dropped <= 0) return;
    dropped_total().inc(static_cast<std::uint64_t>(dropped));
    MUSTER_LOG_WARN("push") << "outbox retention dropped " << dropped
                            << " undelivered push intents";
}

}  // namespace

RedisPushOutbox::RedisPushOutbox(redis::Client& client, const redis::Keys& keys, const Clock& clock,
                                 PushOutboxLimits limits)
    : client_(client), keys_(keys), clock_(clock), limits_(limits), timer_(client.loop().io()) {
    enqueued_total();
    dropped_total();
    client_.loop().post([this] { schedule_sweep(); });
}

RedisPushOutbox::~RedisPushOutbox() {
    close();
}

void RedisPushOutbox::close() {
    client_.loop().run_blocking([this] {
        sweeping_ = false;
        timer_.cancel();
    });
}

void RedisPushOutbox::enqueue(std::vector<push::PushIntent> intents, Done<Unit> done) {
    if (intents.empty()) {
        client_.loop().post([done = std::move(done)] { done(Unit{}); });
        return;
    }
    const std::int64_t now = clock_.now_ms();
    lua::OutboxEnqueue::Args args{.bound = limits_.max_intents};
    args.more.reserve(5 * intents.size());  // per intent: user, title, body, data, created_ms
    for (auto& intent : intents) {
        args.more.push_back(std::move(intent.user));
        args.more.push_back(std::move(intent.title));
        args.more.push_back(std::move(intent.body));
        args.more.push_back(intent.data_json.empty() ? "{}" : std::move(intent.data_json));
        args.more.push_back(std::to_string(intent.created_ms != 0 ? intent.created_ms : now));
    }
    lua::run<lua::OutboxEnqueue>(
        client_, outbox_keys<lua::OutboxEnqueue>(), std::move(args),
        [n = intents.size(), done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            std::int64_t dropped = 0;
            if (!reply->is_array() || reply->elements.empty() ||
                !redis::as_integer(reply->elements[0], dropped)) {
                done(malformed("outbox enqueue"));
                return;
            }
            enqueued_total().inc(n);
            count_dropped(dropped);
            done(Unit{});
        });
}

namespace {

// The reply of outbox_list / outbox_get: 7 items per intent.
Result<std::vector<push::PushIntent>> intents_of(Result<redis::Reply> reply, const char* what) {
    if (!reply) return reply.status();
    auto& items = reply->elements;
    if (!reply->is_array() || items.size() % 7 != 0) return malformed(what);
    std::vector<push::PushIntent> out;
    out.reserve(items.size() / 7);
    for (std::size_t i = 0; i < items.size(); i += 7) {
        push::PushIntent intent;
        std::int64_t id = 0;
        redis::as_integer(items[i], id);
        intent.id = static_cast<std::uint64_t>(id);
        intent.user = std::move(items[i + 1].str);
        intent.title = std::move(items[i + 2].str);
        intent.body = std::move(items[i + 3].str);
        intent.data_json = std::move(items[i + 4].str);
        redis::as_integer(items[i + 5], intent.created_ms);
        intent.state = std::move(items[i + 6].str);
        out.push_back(std::move(intent));
    }
    return out;
}

}  // namespace

template <typename Script>
typename Script::Keys RedisPushOutbox::outbox_keys() const {
    return {.next_key = keys_.push_next(),
            .ids_key = keys_.push_ids(),
            .data_key = keys_.push_data(),
            .by_user_key = keys_.push_by_user()};
}

void RedisPushOutbox::list(push::PushQuery query, Done<std::vector<push::PushIntent>> done) {
    lua::run<lua::OutboxList>(
        client_, outbox_keys<lua::OutboxList>(),
        {.after_text = query.after_id, .limit_text = query.limit, .user = query.user},
        [done = std::move(done)](Result<redis::Reply> reply) {
            done(intents_of(std::move(reply), "outbox list"));
        },
        true);
}

void RedisPushOutbox::claim(push::PushQuery query, push::PushStateRule rule,
                            Done<std::vector<push::PushIntent>> done) {
    lua::run<lua::OutboxList>(
        client_, outbox_keys<lua::OutboxList>(),
        {.after_text = query.after_id, .limit_text = query.limit, .user = query.user},
        [this, rule = std::move(rule), done = std::move(done)](Result<redis::Reply> reply) mutable {
            swap(intents_of(std::move(reply), "outbox list"), rule, std::move(done));
        },
        true);
}

void RedisPushOutbox::update(std::vector<std::uint64_t> ids, push::PushStateRule rule,
                             Done<std::vector<push::PushIntent>> done) {
    lua::OutboxGet::Args args;  // the ids
    args.more.reserve(ids.size());
    for (const auto id : ids) args.more.push_back(std::to_string(id));
    lua::run<lua::OutboxGet>(
        client_, outbox_keys<lua::OutboxGet>(), std::move(args),
        [this, rule = std::move(rule), done = std::move(done)](Result<redis::Reply> reply) mutable {
            swap(intents_of(std::move(reply), "outbox get"), rule, std::move(done));
        },
        true);
}

// The second half of claim() and update(): the rule's states, written where nobody changed the
// state since it was read (a concurrent writer wins; the intent is left out of the answer).
void RedisPushOutbox::swap(Result<std::vector<push::PushIntent>> read,
                           const push::PushStateRule& rule,
                           Done<std::vector<push::PushIntent>> done) {
    if (!read) {
        done(read.status());
        return;
    }
    const std::int64_t now = clock_.now_ms();
    auto candidates = std::make_shared<std::vector<push::PushIntent>>();
    lua::OutboxSwap::Args args;  // per intent: id, the state read, the state to write
    for (auto& intent : *read) {
        auto next = rule(intent, now);
        if (!next) continue;
        args.more.push_back(std::to_string(intent.id));
        args.more.push_back(intent.state);
        args.more.push_back(*next);
        intent.state = std::move(*next);
        candidates->push_back(std::move(intent));
    }
    if (candidates->empty()) {
        done(std::vector<push::PushIntent>{});
        return;
    }
    lua::run<lua::OutboxSwap>(
        client_, outbox_keys<lua::OutboxSwap>(), std::move(args),
        [candidates, done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            if (!reply->is_array()) {
                done(malformed("outbox swap"));
                return;
            }
            std::vector<push::PushIntent> out;
            std::size_t next = 0;
            for (const auto& element : reply->elements) {
                std::int64_t id = 0;
                redis::as_integer(element, id);
                while (next < candidates->size() &&
                       (*candidates)[next].id != static_cast<std::uint64_t>(id))
                    ++next;
                if (next < candidates->size()) out.push_back(std::move((*candidates)[next]));
            }
            done(std::move(out));
        });
}

void RedisPushOutbox::remove(std::vector<std::uint64_t> ids, Done<std::uint64_t> done) {
    if (ids.empty()) {
        client_.loop().post([done = std::move(done)] { done(std::uint64_t{0}); });
        return;
    }
    lua::OutboxRemove::Args args;  // the ids
    args.more.reserve(ids.size());
    for (const auto id : ids) args.more.push_back(std::to_string(id));
    lua::run<lua::OutboxRemove>(client_, outbox_keys<lua::OutboxRemove>(), std::move(args),
                                [done = std::move(done)](Result<redis::Reply> reply) {
                                    std::int64_t removed = 0;
                                    if (!reply) {
                                        done(reply.status());
                                    } else if (!redis::as_integer(*reply, removed)) {
                                        done(malformed("outbox remove"));
                                    } else {
                                        done(static_cast<std::uint64_t>(removed));
                                    }
                                });
}

void RedisPushOutbox::sweep(Done<std::uint64_t> done) {
    const std::int64_t cutoff =
        clock_.now_ms() -
        std::chrono::duration_cast<std::chrono::milliseconds>(limits_.max_age).count();
    lua::run<lua::OutboxSweep>(
        client_, outbox_keys<lua::OutboxSweep>(),
        {.bound = limits_.max_intents, .cutoff_ms = std::max<std::int64_t>(cutoff, 1)},
        [done = std::move(done)](Result<redis::Reply> reply) {
            std::int64_t dropped = 0;
            if (!reply) {
                done(reply.status());
            } else if (!redis::as_integer(*reply, dropped)) {
                done(malformed("outbox sweep"));
            } else {
                count_dropped(dropped);
                done(static_cast<std::uint64_t>(dropped));
            }
        });
}

void RedisPushOutbox::schedule_sweep() {
    if (!sweeping_ || limits_.sweep_interval.count() <= 0) return;
    timer_.expires_after(limits_.sweep_interval);
    timer_.async_wait([this](const boost::system::error_code& error) {
        if (error || !sweeping_) return;
        sweep([](const Result<std::uint64_t>& result) {
            if (!result) {
                MUSTER_LOG_WARN("push") << "outbox retention: " << result.status().message();
            }
        });
        schedule_sweep();
    });
}

}  // namespace muster::store
