#include "store/redis/record_scripts.hpp"

#include "core/metrics.hpp"
#include "store/redis/lua_call.hpp"

namespace muster::store {

namespace {

metrics::Counter& conflicts_total() {
    static auto& counter = metrics::registry().counter(
        "muster_record_swap_conflicts_total",
        "Feature record swaps (duty calls, sign-in, meetings) that found the record changed by "
        "another writer and were not written (the rule runs again)");
    return counter;
}

}  // namespace

void RecordSwap::register_metrics() {
    conflicts_total();
}

void RecordSwap::run(redis::Client& client, const redis::Keys& keys, Done<Outcome> done) && {
    // The layout of lua/record_swap.lua: the counts, then per record, index write, event and
    // intent their keys (in `k`) and arguments (in `a`).
    std::vector<std::string> k;
    std::vector<std::string> a;
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
    lua::RecordSwap::Args args{.records_text = records.size(),
                               .indexes_text = indexes.size(),
                               .events_text = events.size(),
                               .intents_text = pushes.size(),
                               .retention = retention_events,
                               .bound = max_intents,
                               .more = std::move(a)};
    lua::run<lua::RecordSwap>(
        client, {.more = std::move(k)}, std::move(args),
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
                    case -8:
                        outcome.kind = Outcome::Kind::differs;
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
        wait_for_connection);
}

void RecordsRead::run(redis::Client& client, Done<Outcome> done) && {
    const std::size_t n = records.size();
    const std::size_t l = lists.size();
    std::vector<std::string> keys = std::move(records);
    for (auto& key : lists) keys.push_back(std::move(key));
    lua::run<lua::RecordsRead>(
        client, {.more = std::move(keys)}, {.lists_text = l},
        [n, l, done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            const Status malformed{errc::internal, "redis: unexpected reply to records_read"};
            if (!reply->is_array() || reply->elements.size() < 2 * n + l) {
                done(malformed);
                return;
            }
            auto& elements = reply->elements;
            Outcome out;
            out.records.resize(n);
            for (std::size_t i = 0; i < n; ++i) {
                out.records[i].value = std::move(elements[2 * i].str);
                out.records[i].version = std::move(elements[2 * i + 1].str);
            }
            std::size_t at = 2 * n;
            for (std::size_t j = 0; j < l; ++j) {
                std::int64_t length = 0;
                if (at >= elements.size() || !redis::as_integer(elements[at], length) ||
                    length < 0 || elements.size() - at - 1 < static_cast<std::size_t>(length)) {
                    done(malformed);
                    return;
                }
                ++at;
                auto& items = out.lists.emplace_back();
                items.reserve(static_cast<std::size_t>(length));
                for (std::int64_t k = 0; k < length; ++k)
                    items.push_back(std::move(elements[at++].str));
            }
            done(std::move(out));
        },
        true);
}

}  // namespace muster::store
