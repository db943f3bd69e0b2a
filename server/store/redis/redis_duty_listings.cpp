// RedisDutyStore, the reads that span groups: the listings (per group, merged), and the calls
// with timers for the sweep, which also carries every call left with updates to carry. Each
// group's indexes are under its own tag (one script or command per group, in parallel); the
// groups that calls were created in are {duty}:groups. The contract: redis_duty_store.hpp.

#include <algorithm>
#include <functional>
#include <utility>

#include "core/log.hpp"
#include "store/redis/lua_call.hpp"
#include "store/redis/redis_duty_store.hpp"
#include "store/redis/redis_gather.hpp"

namespace muster::store {

namespace v1 = muster::v1;
using features::duty::DutyListQuery;
using features::duty::DutySnapshot;
using features::duty::DutyTimerState;

namespace {

// Reads follow reconnects (the sweep after an outage, a node that starts).
constexpr bool wait_for_connection = true;

}  // namespace

void RedisDutyStore::groups_with_calls(Done<std::vector<std::string>> done) {
    client_.command(
        {"SMEMBERS", keys_.duty_groups()},
        [done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            std::vector<std::string> groups;
            for (auto& group : reply->elements) groups.push_back(std::move(group.str));
            std::sort(groups.begin(), groups.end());
            done(std::move(groups));
        },
        wait_for_connection);
}

void RedisDutyStore::list(DutyListQuery query, Done<std::vector<DutySnapshot>> done) {
    if (query.groups.empty()) {
        // Every call: each is listed in the group it was created in.
        groups_with_calls([this, query = std::move(query), done = std::move(done)](
                              Result<std::vector<std::string>> groups) mutable {
            if (!groups) {
                done(groups.status());
                return;
            }
            if (groups->empty()) {
                done(std::vector<DutySnapshot>{});
                return;
            }
            query.groups = std::move(*groups);
            list(std::move(query), std::move(done));
        });
        return;
    }
    const std::uint32_t limit = query.limit;
    const std::string state = query.state == v1::DutyCall::STATE_UNSPECIFIED
                                  ? std::string()
                                  : std::to_string(static_cast<int>(query.state));
    auto groups = std::make_shared<std::vector<std::string>>(std::move(query.groups));
    using Newest = std::vector<std::pair<std::int64_t, std::string>>;
    gather<Newest>(
        groups->size(),
        [this, groups, state, limit](std::size_t i, const Done<Newest>& one) {
            const std::string& group = (*groups)[i];
            lua::run<lua::IndexNewest>(
                client_,
                {.values_key = keys_.duty_states_in(group), .more = {keys_.duty_calls_in(group)}},
                {.want = state, .per_set = limit},
                [one](Result<redis::Reply> reply) {
                    if (!reply) {
                        one(reply.status());
                        return;
                    }
                    Newest found;
                    for (std::size_t k = 0; k + 1 < reply->elements.size(); k += 2) {
                        std::int64_t created = 0;
                        redis::as_integer(reply->elements[k + 1], created);
                        found.emplace_back(created, std::move(reply->elements[k].str));
                    }
                    one(std::move(found));
                },
                wait_for_connection);
        },
        [this, limit, done = std::move(done)](Result<std::vector<Newest>> per_group) {
            if (!per_group) {
                done(per_group.status());
                return;
            }
            // (created_at_ms, call_id) of the newest `limit` calls of each group, merged.
            Newest found;
            for (auto& newest : *per_group) {
                for (auto& entry : newest) found.push_back(std::move(entry));
            }
            std::sort(found.begin(), found.end(), std::greater<>());
            found.erase(std::unique(found.begin(), found.end()), found.end());
            if (found.size() > limit) found.resize(limit);
            auto ids = std::make_shared<std::vector<std::string>>();
            for (auto& [created, id] : found) ids->push_back(std::move(id));
            read_all(ids, true, [done](Result<std::vector<Read>> reads) {
                if (!reads) {
                    done(reads.status());
                    return;
                }
                std::vector<DutySnapshot> out;
                for (auto& read : *reads) {
                    DutySnapshot snapshot;
                    snapshot.record = std::move(read.record);
                    snapshot.audience = std::move(read.audience);
                    out.push_back(std::move(snapshot));
                }
                done(std::move(out));
            });
        });
}

void RedisDutyStore::list_active(Done<std::vector<DutyTimerState>> done) {
    if (!adopted_.load()) {
        adopt_legacy([this, done = std::move(done)](Result<bool> adopted) {
            if (!adopted) {
                done(adopted.status());
                return;
            }
            if (*adopted) {
                MUSTER_LOG_INFO("duty") << "moved the duty calls' indexes per group";
            }
            adopted_.store(true);
            list_active(done);
        });
        return;
    }
    groups_with_calls([this, done = std::move(done)](Result<std::vector<std::string>> found) {
        if (!found) {
            done(found.status());
            return;
        }
        // Per group: its calls with timers, and those with updates left to carry.
        auto groups = std::make_shared<std::vector<std::string>>(std::move(*found));
        using Ids = std::vector<std::string>;
        gather<Ids>(
            2 * groups->size(),
            [this, groups](std::size_t i, const Done<Ids>& one) {
                const std::string& group = (*groups)[i / 2];
                const std::string key =
                    i % 2 == 0 ? keys_.duty_active_in(group) : keys_.duty_pending_in(group);
                client_.command(
                    {"ZRANGE", key, "0", "-1"},
                    [one](Result<redis::Reply> reply) {
                        if (!reply) {
                            one(reply.status());
                            return;
                        }
                        Ids ids;
                        for (auto& id : reply->elements) ids.push_back(std::move(id.str));
                        one(std::move(ids));
                    },
                    wait_for_connection);
            },
            [this, done](Result<std::vector<Ids>> lists) {
                if (!lists) {
                    done(lists.status());
                    return;
                }
                auto active = std::make_shared<Ids>();
                auto pending = std::make_shared<Ids>();
                for (std::size_t i = 0; i < lists->size(); ++i) {
                    auto& into = i % 2 == 0 ? *active : *pending;
                    for (auto& id : (*lists)[i]) into.push_back(std::move(id));
                }
                carry_all(pending, [this, active, done](Result<bool>) {
                    read_all(active, false, [done](Result<std::vector<Read>> reads) {
                        if (!reads) {
                            done(reads.status());
                            return;
                        }
                        std::vector<DutyTimerState> out;
                        for (const auto& read : *reads) {
                            if (!read.record.timers_done())
                                out.push_back(features::duty::timer_state(read.record));
                        }
                        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
                            return a.deadline_ms < b.deadline_ms;
                        });
                        done(std::move(out));
                    });
                });
            });
    });
}

void RedisDutyStore::carry_all(std::shared_ptr<std::vector<std::string>> ids, Done<bool> done) {
    // Each call's failure is logged by the fan-out and left to the next sweep.
    gather<bool>(
        ids->size(),
        [this, ids](std::size_t i, const Done<bool>& one) {
            const std::string& id = (*ids)[i];
            locate(id, [this, id, one](Result<Targets> targets) {
                if (!targets) {
                    one(false);
                    return;
                }
                fanout_.complete(id, *targets, [one](Result<RedisDutyFanout::Carried> carried) {
                    one(carried.ok());
                });
            });
        },
        [done = std::move(done)](Result<std::vector<bool>> carried) {
            if (!carried) {
                done(carried.status());
                return;
            }
            done(true);
        });
}

void RedisDutyStore::read_all(std::shared_ptr<std::vector<std::string>> ids, bool audience,
                              Done<std::vector<Read>> done) {
    gather<std::optional<Read>>(
        ids->size(),
        [this, ids, audience](std::size_t i, const Done<std::optional<Read>>& one) {
            const std::string& id = (*ids)[i];
            locate(id, [this, id, audience, one](Result<Targets> targets) {
                if (!targets) {
                    // Gone meanwhile: listed no more.
                    if (targets.status().code() == errc::not_found) {
                        one(std::optional<Read>{});
                    } else {
                        one(targets.status());
                    }
                    return;
                }
                read_call(id, *targets, audience, [one](Result<Read> read) {
                    if (!read) {
                        one(read.status());
                    } else if (read->record.call().call_id().empty()) {
                        one(std::optional<Read>{});
                    } else {
                        one(std::optional<Read>(std::move(*read)));
                    }
                });
            });
        },
        [done = std::move(done)](Result<std::vector<std::optional<Read>>> reads) {
            if (!reads) {
                done(reads.status());
                return;
            }
            std::vector<Read> out;
            for (auto& read : *reads) {
                if (read) out.push_back(std::move(*read));
            }
            done(std::move(out));
        });
}

}  // namespace muster::store
