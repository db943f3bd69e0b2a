#include "store/redis/redis_duty_fanout.hpp"

#include <algorithm>
#include <utility>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "store/push_outbox_metrics.hpp"
#include "store/redis/lua_call.hpp"
#include "store/redis/redis_gather.hpp"

namespace muster::store {

namespace v1 = muster::v1;

namespace {

// Kept updates are read after reconnects too (the sweep, a node that starts).
constexpr bool wait_for_connection = true;

metrics::Counter& carry_failures_total() {
    static auto& counter = metrics::registry().counter(
        "muster_duty_carry_failures_total",
        "Duty-call updates decided but not yet carried to every target group and the push "
        "outbox (a step failed; the call's next change, the sweep or a start completes it)");
    return counter;
}

std::uint64_t reply_code(const redis::Reply& reply, std::int64_t& code) {
    code = 0;
    if (!reply.is_array() || reply.elements.empty() || !redis::as_integer(reply.elements[0], code))
        return 0;
    std::int64_t value = 0;
    if (reply.elements.size() > 1) redis::as_integer(reply.elements[1], value);
    return value > 0 ? static_cast<std::uint64_t>(value) : 0;
}

}  // namespace

struct RedisDutyFanout::Run {
    std::string call_id;
    Targets targets;
    std::vector<v1::StoredDutyFanout> updates;  // by number
    std::size_t at = 0;
    Carried carried;
    Done<Carried> done;
};

RedisDutyFanout::RedisDutyFanout(redis::Client& client, const redis::Keys& keys, LogConfig log,
                                 PushOutboxLimits push)
    : client_(client), keys_(keys), log_(log), push_(push) {
    carry_failures_total();
}

void RedisDutyFanout::complete(const std::string& call_id, const Targets& targets,
                               Done<Carried> done) {
    auto run = std::make_shared<Run>();
    run->call_id = call_id;
    run->targets = targets;
    run->done = std::move(done);
    client_.command(
        {"HGETALL", keys_.duty_out(targets->front(), call_id)},
        [this, run](Result<redis::Reply> reply) {
            if (!reply) {
                fail(run, reply.status());
                return;
            }
            for (std::size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
                v1::StoredDutyFanout update;
                if (!update.ParseFromString(reply->elements[i + 1].str)) {
                    fail(run, Status{errc::internal,
                                     "duty call " + run->call_id + ": a kept update is damaged"});
                    return;
                }
                run->updates.push_back(std::move(update));
            }
            std::sort(run->updates.begin(), run->updates.end(),
                      [](const auto& a, const auto& b) { return a.number() < b.number(); });
            next(run);
        },
        wait_for_connection);
}

void RedisDutyFanout::fail(const std::shared_ptr<Run>& run, Status status) {
    carry_failures_total().inc();
    MUSTER_LOG_WARN("duty") << "duty call " << run->call_id
                            << ": an update is not carried to every group yet (retried by the "
                               "next change or the sweep): "
                            << status.message();
    run->done(std::move(status));
}

void RedisDutyFanout::next(const std::shared_ptr<Run>& run) {
    if (run->at == run->updates.size()) {
        run->done(std::move(run->carried));
        return;
    }
    move_pushes(run, [this, run](Result<bool> moved) {
        if (!moved) {
            fail(run, moved.status());
            return;
        }
        carry(run, [this, run](Result<std::vector<std::uint64_t>> seqs) {
            if (!seqs) {
                fail(run, seqs.status());
                return;
            }
            run->carried[run->updates[run->at].number()] = std::move(*seqs);
            forget(run);
        });
    });
}

void RedisDutyFanout::move_pushes(const std::shared_ptr<Run>& run, Done<bool> done) {
    const v1::StoredDutyFanout& update = run->updates[run->at];
    if (update.push_number() == 0) {
        done(false);
        return;
    }
    lua::DutyPushMove::Keys keys{.pushed_key = keys_.duty_pushed(),
                                 .next_key = keys_.push_next(),
                                 .ids_key = keys_.push_ids(),
                                 .data_key = keys_.push_data(),
                                 .by_user_key = keys_.push_by_user()};
    const auto& notification = update.push();
    lua::DutyPushMove::Args args{
        .id = run->call_id,
        .push = update.push_number(),
        .bound = push_.max_intents,
        .title = notification.title(),
        .body = notification.body(),
        .data = notification.data_json().empty() ? std::string("{}") : notification.data_json(),
        .created_ms = notification.created_ms(),
        .more = std::vector<std::string>(update.push_users().begin(),  // the users
                                         update.push_users().end())};
    const std::size_t intents = static_cast<std::size_t>(update.push_users_size());
    lua::run<lua::DutyPushMove>(
        client_, std::move(keys), std::move(args),
        [run, intents, done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            std::int64_t code = 0;
            const std::uint64_t value = reply_code(*reply, code);
            if (code == 1) {
                done(false);  // another carrier recorded them
            } else if (code == 0) {
                push_outbox_metrics::enqueued_total().inc(intents);
                if (value > 0) {
                    push_outbox_metrics::dropped_total().inc(value);
                    MUSTER_LOG_WARN("push")
                        << "outbox retention dropped " << value << " undelivered push intents";
                }
                done(true);
            } else if (code == -8) {
                done(Status{
                    errc::unavailable,
                    "the outbox has not taken an earlier update of duty call " + run->call_id});
            } else {
                done(Status{errc::internal, "redis: unexpected reply to duty_push_move"});
            }
        },
        true);
}

void RedisDutyFanout::carry(const std::shared_ptr<Run>& run,
                            Done<std::vector<std::uint64_t>> done) {
    const auto& targets = *run->targets;
    std::vector<std::string> others(targets.begin() + 1, targets.end());
    auto groups = std::make_shared<std::vector<std::string>>(std::move(others));
    gather<std::vector<std::uint64_t>>(
        groups->size(),
        [this, run, groups](std::size_t i, const Done<std::vector<std::uint64_t>>& one) {
            const std::string& group = (*groups)[i];
            const v1::StoredDutyFanout& update = run->updates[run->at];
            lua::DutyFanout::Keys keys{.seq_key = keys_.seq(group),
                                       .log_key = keys_.log(group),
                                       .fanned_key = keys_.duty_fanned_in(group),
                                       .calls_key = keys_.duty_calls_in(group),
                                       .states_key = keys_.duty_states_in(group)};
            lua::DutyFanout::Args args{.id = run->call_id,
                                       .update = update.number(),
                                       .created_at_ms = update.created_at_ms(),
                                       .state = static_cast<int>(update.state()),
                                       .retention = log_.retention_events};
            std::size_t events = 0;
            for (const auto& event : update.events()) {
                if (event.group() != group) continue;
                args.more.push_back(keys_.group_channel(group));
                args.more.push_back(event.SerializeAsString());
                args.more.push_back(std::to_string(event.time_ms()));
                ++events;
            }
            lua::run<lua::DutyFanout>(
                client_, std::move(keys), std::move(args),
                [run, group, events, one](Result<redis::Reply> reply) {
                    if (!reply) {
                        one(reply.status());
                        return;
                    }
                    std::int64_t code = 0;
                    const std::uint64_t last = reply_code(*reply, code);
                    if (code == 0 && reply->elements.size() == 1 + events) {
                        std::vector<std::uint64_t> seqs;
                        for (std::size_t e = 0; e < events; ++e) {
                            std::int64_t seq = 0;
                            redis::as_integer(reply->elements[1 + e], seq);
                            seqs.push_back(seq > 0 ? static_cast<std::uint64_t>(seq) : 0);
                        }
                        one(std::move(seqs));
                    } else if (code == 1) {
                        one(std::vector<std::uint64_t>(events, 0));  // appended already
                    } else if (code == -5) {
                        // Removed since: nobody is left to read it there.
                        one(std::vector<std::uint64_t>(events, 0));
                    } else if (code == -8) {
                        one(Status{errc::unavailable, "group " + group + " has taken duty call " +
                                                          run->call_id + "'s updates up to " +
                                                          std::to_string(last) + " only"});
                    } else {
                        one(Status{errc::internal, "redis: unexpected reply to duty_fanout"});
                    }
                },
                true);
        },
        [run, groups,
         done = std::move(done)](Result<std::vector<std::vector<std::uint64_t>>> per_group) {
            if (!per_group) {
                done(per_group.status());
                return;
            }
            // Back in the order of the update's events.
            std::vector<std::size_t> taken(groups->size(), 0);
            std::vector<std::uint64_t> seqs;
            for (const auto& event : run->updates[run->at].events()) {
                std::uint64_t seq = 0;
                const auto found = std::find(groups->begin(), groups->end(), event.group());
                if (found != groups->end()) {
                    const auto g = static_cast<std::size_t>(found - groups->begin());
                    const auto& group_seqs = (*per_group)[g];
                    if (taken[g] < group_seqs.size()) seq = group_seqs[taken[g]++];
                }
                seqs.push_back(seq);
            }
            done(std::move(seqs));
        });
}

void RedisDutyFanout::forget(const std::shared_ptr<Run>& run) {
    const v1::StoredDutyFanout& update = run->updates[run->at];
    const std::string& group = run->targets->front();
    lua::run<lua::DutyFanned>(
        client_,
        {.out_key = keys_.duty_out(group, run->call_id),
         .pending_key = keys_.duty_pending_in(group)},
        {.update = update.number(), .id = run->call_id},
        [this, run](Result<redis::Reply> reply) {
            if (!reply) {
                fail(run, reply.status());
                return;
            }
            ++run->at;
            next(run);
        },
        true);
}

}  // namespace muster::store
