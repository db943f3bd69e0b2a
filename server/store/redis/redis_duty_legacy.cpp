// RedisDutyStore: adopting the single-Redis layout of duty calls that came before they ran on a
// cluster ({duty}:states, {duty}:active and {duty}:all, one index each for every call). The
// first list_active of a node (its start) moves each call's state into its target groups'
// `duty_states`, its timer into its group's `duty_active` and its group into {duty}:groups,
// then deletes the old keys; with none there it costs one round trip. Each move is "if absent"
// (HSETNX), and the timer only goes with the state of the call's own group: a change stored by
// the new layout meanwhile already wrote both, and wins. Repeating it after a failure is
// harmless; the old keys go only after every call moved.

#include <map>
#include <mutex>
#include <utility>

#include "store/redis/redis_duty_store.hpp"
#include "store/redis/redis_gather.hpp"

namespace muster::store {

namespace {

constexpr bool wait_for_connection = true;

// KEYS the group's duty_states, duty_active; ARGV call id, state, deadline ('' = no timer).
const redis::Script& adopt_call() {
    static const redis::Script script(R"lua(
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 and ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
end
return 1
)lua");
    return script;
}

}  // namespace

void RedisDutyStore::adopt_legacy(Done<bool> done) {
    client_.command(
        {"HGETALL", keys_.duty_legacy("states")},
        [this, done = std::move(done)](Result<redis::Reply> states) {
            if (!states) {
                done(states.status());
                return;
            }
            if (states->elements.empty()) {
                done(false);
                return;
            }
            auto calls = std::make_shared<std::vector<std::pair<std::string, std::string>>>();
            for (std::size_t i = 0; i + 1 < states->elements.size(); i += 2) {
                calls->emplace_back(std::move(states->elements[i].str),
                                    std::move(states->elements[i + 1].str));
            }
            client_.command(
                {"ZRANGE", keys_.duty_legacy("active"), "0", "-1", "WITHSCORES"},
                [this, calls, done](Result<redis::Reply> active) {
                    if (!active) {
                        done(active.status());
                        return;
                    }
                    auto deadlines = std::make_shared<std::map<std::string, std::string>>();
                    for (std::size_t i = 0; i + 1 < active->elements.size(); i += 2) {
                        (*deadlines)[active->elements[i].str] = active->elements[i + 1].str;
                    }
                    adopt_calls(calls, deadlines, done);
                },
                wait_for_connection);
        },
        wait_for_connection);
}

void RedisDutyStore::adopt_calls(
    std::shared_ptr<std::vector<std::pair<std::string, std::string>>> calls,
    std::shared_ptr<std::map<std::string, std::string>> deadlines, Done<bool> done) {
    gather<bool>(
        calls->size(),
        [this, calls, deadlines](std::size_t i, const Done<bool>& one) {
            const std::string& id = (*calls)[i].first;
            const std::string& state = (*calls)[i].second;
            locate(id, [this, id, state, deadlines, one](Result<Targets> targets) {
                if (!targets) {
                    // A state without a call: nothing to move.
                    if (targets.status().code() == errc::not_found) {
                        one(true);
                    } else {
                        one(targets.status());
                    }
                    return;
                }
                const std::string& group = (*targets)->front();
                const auto deadline = deadlines->find(id);
                // The own group's state and timer, every other group's state, the group listed.
                const std::size_t writes = (*targets)->size() + 1;
                auto left = std::make_shared<std::size_t>(writes);
                auto failed = std::make_shared<Status>();
                auto mutex = std::make_shared<std::mutex>();
                auto settle = [left, failed, mutex, one](Result<redis::Reply> reply) {
                    std::lock_guard lock(*mutex);
                    if (!reply && failed->ok()) *failed = reply.status();
                    if (--*left > 0) return;
                    if (failed->ok()) {
                        one(true);
                    } else {
                        one(*failed);
                    }
                };
                client_.run(
                    adopt_call(), {keys_.duty_states_in(group), keys_.duty_active_in(group)},
                    {id, state, deadline == deadlines->end() ? std::string() : deadline->second},
                    settle, true);
                for (std::size_t t = 1; t < (*targets)->size(); ++t) {
                    client_.command({"HSETNX", keys_.duty_states_in((**targets)[t]), id, state},
                                    settle, true);
                }
                client_.command({"SADD", keys_.duty_groups(), group}, settle, true);
            });
        },
        [this, done = std::move(done)](Result<std::vector<bool>> adopted) {
            if (!adopted) {
                done(adopted.status());
                return;
            }
            client_.command(
                {"DEL", keys_.duty_legacy("states"), keys_.duty_legacy("active"),
                 keys_.duty_legacy("all")},
                [done](Result<redis::Reply> deleted) {
                    if (!deleted) {
                        done(deleted.status());
                    } else {
                        done(true);
                    }
                },
                true);
        });
}

}  // namespace muster::store
