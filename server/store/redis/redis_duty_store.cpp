#include "store/redis/redis_duty_store.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

#include "core/log.hpp"
#include "store/push_outbox_metrics.hpp"
#include "store/redis/lua_call.hpp"
#include "store/redis/record_scripts.hpp"
#include "store/redis/redis_gather.hpp"

namespace muster::store {

namespace v1 = muster::v1;
using features::duty::Audience;
using features::duty::DutyApplied;
using features::duty::DutyListQuery;
using features::duty::DutyRule;
using features::duty::DutySnapshot;
using features::duty::DutyTimerState;
using features::duty::GroupMembers;
using features::duty::no_such_call;
using features::duty::StoredDutyCall;

namespace {

// Calls whose targets a node remembers; past this the cache starts again (a call's first use
// on the node then costs one more round trip).
constexpr std::size_t max_cached_calls = 10000;

// Reads may wait for the connection (they follow reconnects: the sweep, a record after a
// client resumed).
constexpr bool wait_for_connection = true;

Status malformed(const char* what) {
    return {errc::internal, std::string("redis: unexpected reply to ") + what};
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const auto end = text.find('\n', start);
        out.push_back(text.substr(start, end - start));
        if (end == std::string::npos) return out;
        start = end + 1;
    }
}

std::string join_lines(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out.push_back('\n');
        out.append(item);
    }
    return out;
}

std::uint64_t to_seq(const std::string& text) {
    try {
        return text.empty() ? 0 : std::stoull(text);
    } catch (const std::exception&) {
        return 0;
    }
}

// The hash of a call (HGETALL, flat): the record, its version and the seqs kept beside it.
// `exists` false when there is no record.
Result<RedisDutyStore::Read> parse_call(const redis::Reply& flat, const std::string& call_id,
                                        bool& exists) {
    RedisDutyStore::Read out;
    exists = false;
    const std::string* blob = nullptr;
    std::unordered_map<std::string, std::uint64_t> answer_seqs;
    std::uint64_t call_seq = 0;
    for (std::size_t i = 0; i + 1 < flat.elements.size(); i += 2) {
        const std::string& field = flat.elements[i].str;
        const std::string& value = flat.elements[i + 1].str;
        if (field == "record") {
            blob = &value;
        } else if (field == "version") {
            out.version = value;
        } else if (field == "seq") {
            call_seq = to_seq(value);
        } else if (field == "fan") {
            out.fan = to_seq(value);
        } else if (field == "pushfan") {
            out.pushfan = to_seq(value);
        } else if (field.rfind("seq:", 0) == 0) {
            answer_seqs[field.substr(4)] = to_seq(value);
        }
    }
    if (blob == nullptr) return out;
    if (!out.record.ParseFromString(*blob))
        return Status(errc::internal, "duty call " + call_id + " is damaged in the store");
    exists = true;
    out.record.set_seq(call_seq);
    for (auto& a : *out.record.mutable_answers()) {
        const auto found = answer_seqs.find(a.user());
        if (found != answer_seqs.end()) a.set_seq(found->second);
    }
    return out;
}

}  // namespace

RedisDutyStore::RedisDutyStore(redis::Client& client, const redis::Keys& keys, LogConfig log,
                               PushOutboxLimits push)
    : client_(client), keys_(keys), log_(log), push_(push), fanout_(client, keys, log, push) {
    RecordSwap::register_metrics();
    push_outbox_metrics::enqueued_total();
}

// ---- where a call is, and reading it ---------------------------------------------------------

void RedisDutyStore::remember(const std::string& call_id, Targets targets) {
    std::lock_guard lock(mutex_);
    if (targets_.size() >= max_cached_calls) targets_.clear();
    targets_[call_id] = std::move(targets);
}

void RedisDutyStore::locate(const std::string& call_id, Done<Targets> done) {
    std::optional<Targets> cached;
    {
        std::lock_guard lock(mutex_);
        if (const auto found = targets_.find(call_id); found != targets_.end())
            cached = found->second;
    }
    if (cached) {
        done(std::move(*cached));  // outside the lock: `done` may locate again
        return;
    }
    client_.command(
        {"HGET", keys_.duty_index(), call_id},
        [this, call_id, done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            if (reply->is_nil()) {
                done(no_such_call(call_id));
                return;
            }
            if (!reply->is_string() || reply->str.empty()) {
                done(malformed("duty call index"));
                return;
            }
            auto targets =
                std::make_shared<const std::vector<std::string>>(split_lines(reply->str));
            remember(call_id, targets);
            done(Targets(targets));
        },
        wait_for_connection);
}

void RedisDutyStore::read_call(const std::string& call_id, const Targets& targets, bool audience,
                               Done<Read> done) {
    const std::string& group = targets->front();
    lua::run<lua::HashesRead>(
        client_, {.more = {keys_.duty_call(group, call_id), keys_.duty_out(group, call_id)}},
        {.whole_text = 1},
        [this, call_id, targets, audience, done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            if (!reply->is_array() || reply->elements.size() != 2) {
                done(malformed("hashes_read"));
                return;
            }
            bool exists = false;
            auto read = parse_call(reply->elements[0], call_id, exists);
            if (!read) {
                done(read.status());
                return;
            }
            read->pending = !reply->elements[1].elements.empty();
            if (!audience) {
                done(std::move(*read));
                return;
            }
            auto shared = std::make_shared<Read>(std::move(*read));
            read_audience(targets, [shared, done](Result<Audience> members) {
                if (!members) {
                    done(members.status());
                    return;
                }
                shared->audience = std::move(*members);
                done(std::move(*shared));
            });
        },
        wait_for_connection);
}

void RedisDutyStore::read_audience(const Targets& targets, Done<Audience> done) {
    lua::HashesRead::Keys keys;  // the groups' members, read as field names
    for (const auto& group : *targets) keys.more.push_back(keys_.members(group));
    lua::run<lua::HashesRead>(
        client_, std::move(keys), {.whole_text = 0},
        [targets, done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            if (!reply->is_array() || reply->elements.size() != targets->size()) {
                done(malformed("hashes_read"));
                return;
            }
            Audience audience;
            for (std::size_t i = 0; i < targets->size(); ++i) {
                GroupMembers members{(*targets)[i], {}};
                for (auto& user : reply->elements[i].elements)
                    members.users.push_back(std::move(user.str));
                std::sort(members.users.begin(), members.users.end());
                audience.push_back(std::move(members));
            }
            done(std::move(audience));
        },
        wait_for_connection);
}

// ---- changes --------------------------------------------------------------------------------

void RedisDutyStore::create(std::string call_id, std::vector<std::string> targets, DutyRule rule,
                            Done<DutyApplied> done) {
    if (targets.empty()) {
        done(Status(errc::internal, "a duty call needs a target group"));
        return;
    }
    enqueue(std::move(call_id),
            Pending{std::move(rule), std::move(done),
                    std::make_shared<const std::vector<std::string>>(std::move(targets))});
}

void RedisDutyStore::apply(std::string call_id, DutyRule rule, Done<DutyApplied> done) {
    enqueue(std::move(call_id), Pending{std::move(rule), std::move(done), nullptr});
}

void RedisDutyStore::enqueue(std::string call_id, Pending pending) {
    if (client_.closed()) {  // the loop would never run it
        pending.done(Status{errc::unavailable, "redis store closed"});
        return;
    }
    client_.loop().post(
        [this, call_id = std::move(call_id), pending = std::move(pending)]() mutable {
            auto& queue = queues_[call_id];
            queue.push_back(std::move(pending));
            if (queue.size() == 1) attempt(call_id, 1);
        });
}

void RedisDutyStore::attempt(const std::string& call_id, int attempt) {
    if (attempt > RecordSwap::max_attempts) {
        finish(call_id, Status{errc::unavailable,
                               "duty call " + call_id + " is changing too fast; try again"});
        return;
    }
    locate(call_id, [this, call_id, attempt](Result<Targets> targets) {
        // On the Redis thread: a reply, or the cache asked from here (also there).
        const Targets& creating = queues_[call_id].front().create;
        if (!targets) {
            if (creating && targets.status().code() == errc::not_found) {
                decide(call_id, creating, false, attempt);
            } else {
                finish(call_id, targets.status());
            }
            return;
        }
        decide(call_id, *targets, true, attempt);
    });
}

void RedisDutyStore::decide(const std::string& call_id, const Targets& targets, bool exists,
                            int attempt) {
    read_call(call_id, targets, true, [this, call_id, targets, exists, attempt](Result<Read> read) {
        if (!read) {
            finish(call_id, read.status());
            return;
        }
        const Targets& creating = queues_[call_id].front().create;
        const bool found = !read->record.call().call_id().empty();
        if (exists && !found && !creating) {
            finish(call_id, no_such_call(call_id));
            return;
        }
        if (exists && !found && *creating != *targets) {
            // Claimed by another create, whose record is not written yet.
            finish(call_id, Status(errc::conflict, "duty call " + call_id + " exists already"));
            return;
        }
        DutyApplied applied;
        applied.record = read->record;
        auto outcome = queues_[call_id].front().rule(applied.record, read->audience);
        if (!outcome) {
            finish(call_id, outcome.status());
            return;
        }
        applied.outcome = std::move(*outcome);
        if (!applied.outcome.write && applied.outcome.appends.empty() &&
            applied.outcome.push.empty()) {
            // Nothing to write; what an earlier change left to carry goes on now.
            if (read->pending) {
                carry_then_finish(call_id, targets, 0, std::move(applied));
            } else {
                finish(call_id, std::move(applied));
            }
            return;
        }
        if (found) {
            swap(call_id, targets, attempt, std::move(*read), std::move(applied));
            return;
        }
        claim(call_id, targets,
              [this, call_id, targets, attempt, read = std::move(*read),
               applied = std::move(applied)](Result<bool> claimed) mutable {
                  if (!claimed) {
                      finish(call_id, claimed.status());
                  } else if (!*claimed) {
                      finish(call_id,
                             Status(errc::conflict, "duty call " + call_id + " exists already"));
                  } else {
                      swap(call_id, targets, attempt, std::move(read), std::move(applied));
                  }
              });
    });
}

void RedisDutyStore::claim(const std::string& call_id, const Targets& targets, Done<bool> done) {
    // The call's own group is checked by the swap (its announcement is appended there).
    auto others = std::make_shared<std::vector<std::string>>(targets->begin() + 1, targets->end());
    gather<bool>(
        others->size(),
        [this, others](std::size_t i, const Done<bool>& one) {
            client_.command({"EXISTS", keys_.seq((*others)[i])}, [one](Result<redis::Reply> reply) {
                if (!reply) {
                    one(reply.status());
                    return;
                }
                std::int64_t n = 0;
                redis::as_integer(*reply, n);
                one(n > 0);
            });
        },
        [this, call_id, targets, others, done = std::move(done)](Result<std::vector<bool>> exist) {
            if (!exist) {
                done(exist.status());
                return;
            }
            for (std::size_t i = 0; i < exist->size(); ++i) {
                if (!(*exist)[i]) {
                    done(Status{errc::not_found, "no such group: " + (*others)[i]});
                    return;
                }
            }
            lua::run<lua::DutyClaim>(
                client_, {.calls_key = keys_.duty_index(), .groups_key = keys_.duty_groups()},
                {.id = call_id, .targets = join_lines(*targets), .group = targets->front()},
                [done](Result<redis::Reply> reply) {
                    if (!reply) {
                        done(reply.status());
                        return;
                    }
                    // 1: ours; the targets of another create otherwise.
                    done(reply->is_integer() && reply->integer == 1);
                },
                true);
        });
}

void RedisDutyStore::swap(const std::string& call_id, const Targets& targets, int attempt,
                          Read read, DutyApplied applied) {
    const std::string& group = targets->front();
    const bool found = !read.record.call().call_id().empty();
    const StoredDutyCall& record = applied.record;
    RecordSwap change;
    change.retention_events = log_.retention_events;
    change.max_intents = push_.max_intents;
    const std::string call_key = keys_.duty_call(group, call_id);
    change.records.push_back(
        {call_key, found ? read.version : std::string(), record.SerializeAsString()});
    if (!found) {
        change.indexes.push_back({keys_.duty_calls_in(group), 'z', call_id,
                                  std::to_string(record.call().created_at_ms())});
    }
    change.indexes.push_back({keys_.duty_states_in(group), 'h', call_id,
                              std::to_string(static_cast<int>(record.call().state()))});
    if (record.timers_done()) {
        change.indexes.push_back({keys_.duty_active_in(group), 'r', call_id, {}});
    } else {
        change.indexes.push_back({keys_.duty_active_in(group), 'z', call_id,
                                  std::to_string(record.call().deadline_ms())});
    }
    // The call's own group's events now; the rest numbered and kept for the second step.
    v1::StoredDutyFanout carried;
    for (const auto& append : applied.outcome.appends) {
        if (append.event.group() != group) {
            *carried.add_events() = append.event;
            continue;
        }
        std::string field;
        if (append.announcement) field = "seq";
        if (!append.answer_of.empty()) field = "seq:" + append.answer_of;
        change.events.push_back({append.event.group(), append.event.SerializeAsString(),
                                 append.event.time_ms(), std::move(field)});
    }
    std::uint64_t number = 0;
    const push::PushFanout& pushed = applied.outcome.push;
    if (targets->size() > 1 || !pushed.empty()) {
        number = read.fan + 1;
        carried.set_number(number);
        carried.set_state(record.call().state());
        carried.set_created_at_ms(record.call().created_at_ms());
        change.indexes.push_back({call_key, 'h', "fan", std::to_string(number)});
        if (!pushed.empty()) {
            carried.set_push_number(read.pushfan + 1);
            change.indexes.push_back(
                {call_key, 'h', "pushfan", std::to_string(carried.push_number())});
            auto* notification = carried.mutable_push();
            notification->set_title(pushed.notification.title);
            notification->set_body(pushed.notification.body);
            notification->set_data_json(pushed.notification.data_json);
            notification->set_created_ms(pushed.notification.created_ms);
            for (const auto& user : pushed.users) carried.add_push_users(user);
        }
        change.indexes.push_back({keys_.duty_out(group, call_id), 'h', std::to_string(number),
                                  carried.SerializeAsString()});
        change.indexes.push_back(
            {keys_.duty_pending_in(group), 'z', call_id, std::to_string(number)});
    }
    const bool pending = read.pending || number > 0;

    std::move(change).run(
        client_, keys_,
        [this, call_id, targets, attempt, found, number, pending,
         applied = std::move(applied)](Result<RecordSwap::Outcome> swapped) mutable {
            using Kind = RecordSwap::Outcome::Kind;
            if (!swapped) {
                finish(call_id, swapped.status());
                return;
            }
            if (swapped->kind == Kind::changed || swapped->kind == Kind::taken) {
                // Another node changed (or created) it since it was read:
                // the rule runs again on what is there now.
                this->attempt(call_id, attempt + 1);
                return;
            }
            auto& appends = applied.outcome.appends;
            const std::string& own = targets->front();
            if (swapped->kind == Kind::no_group) {
                finish(call_id, Status{errc::not_found, "no such group: " + own});
                return;
            }
            std::size_t next = 0;
            for (auto& append : appends) {
                if (append.event.group() != own || next >= swapped->seqs.size()) continue;
                append.seq = swapped->seqs[next++];
                if (append.announcement) applied.record.set_seq(append.seq);
                if (append.answer_of.empty()) continue;
                for (auto& a : *applied.record.mutable_answers()) {
                    if (a.user() == append.answer_of) a.set_seq(append.seq);
                }
            }
            if (!found) remember(call_id, targets);
            if (pending) {
                carry_then_finish(call_id, targets, number, std::move(applied));
            } else {
                finish(call_id, std::move(applied));
            }
        });
}

void RedisDutyStore::carry_then_finish(const std::string& call_id, const Targets& targets,
                                       std::uint64_t number, DutyApplied applied) {
    fanout_.complete(call_id, targets,
                     [this, call_id, targets, number, applied = std::move(applied)](
                         Result<RedisDutyFanout::Carried> carried) mutable {
                         // A failure is logged there and left to the next carrier: the change
                         // itself is decided and stored.
                         if (carried && number > 0) {
                             const auto found = carried->find(number);
                             if (found != carried->end()) {
                                 std::size_t next = 0;
                                 for (auto& append : applied.outcome.appends) {
                                     if (append.event.group() == targets->front()) continue;
                                     if (next < found->second.size())
                                         append.seq = found->second[next];
                                     ++next;
                                 }
                             }
                         }
                         finish(call_id, std::move(applied));
                     });
}

void RedisDutyStore::finish(const std::string& call_id, Result<DutyApplied> result) {
    auto found = queues_.find(call_id);
    if (found == queues_.end() || found->second.empty()) return;
    Pending pending = std::move(found->second.front());
    found->second.pop_front();
    if (found->second.empty()) {
        queues_.erase(found);
    } else {
        attempt(call_id, 1);
    }
    pending.done(std::move(result));
}

// ---- reads ----------------------------------------------------------------------------------

void RedisDutyStore::read(std::string call_id, Done<DutySnapshot> done) {
    locate(call_id, [this, call_id, done = std::move(done)](Result<Targets> targets) {
        if (!targets) {
            done(targets.status());
            return;
        }
        read_call(call_id, *targets, true, [this, call_id, done](Result<Read> read) {
            if (!read) {
                done(read.status());
                return;
            }
            if (read->record.call().call_id().empty()) {
                done(no_such_call(call_id));
                return;
            }
            auto snapshot = std::make_shared<DutySnapshot>();
            snapshot->record = std::move(read->record);
            snapshot->audience = std::move(read->audience);
            std::vector<std::string> unnamed;
            for (const auto& a : snapshot->record.answers()) {
                if (a.name().empty()) unnamed.push_back(a.user());
            }
            if (unnamed.empty()) {
                done(std::move(*snapshot));
                return;
            }
            // The directory's names of those who answered without one.
            std::vector<std::string> command{"HMGET", keys_.users()};
            command.insert(command.end(), unnamed.begin(), unnamed.end());
            client_.command(
                std::move(command),
                [snapshot, unnamed, done](Result<redis::Reply> names) {
                    if (!names) {
                        done(names.status());
                        return;
                    }
                    for (std::size_t i = 0; i < unnamed.size() && i < names->elements.size(); ++i) {
                        if (names->elements[i].is_string())
                            snapshot->names.emplace_back(unnamed[i], names->elements[i].str);
                    }
                    done(std::move(*snapshot));
                },
                wait_for_connection);
        });
    });
}

void RedisDutyStore::find(std::string call_id, Done<v1::DutyCall> done) {
    locate(call_id, [this, call_id, done = std::move(done)](Result<Targets> targets) {
        if (!targets) {
            done(targets.status());
            return;
        }
        read_call(call_id, *targets, false, [call_id, done](Result<Read> read) {
            if (!read) {
                done(read.status());
            } else if (read->record.call().call_id().empty()) {
                done(no_such_call(call_id));
            } else {
                done(std::move(*read->record.mutable_call()));
            }
        });
    });
}

void RedisDutyStore::audience(std::vector<std::string> groups,
                              Done<std::vector<std::string>> done) {
    if (groups.empty()) {
        done(std::vector<std::string>{});
        return;
    }
    lua::HashesRead::Keys keys;  // the groups' members, read as field names
    keys.more.reserve(groups.size());
    for (const auto& group : groups) keys.more.push_back(keys_.members(group));
    lua::run<lua::HashesRead>(
        client_, std::move(keys), {.whole_text = 0},
        [done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            std::set<std::string> users;
            for (auto& group : reply->elements) {
                for (auto& user : group.elements) users.insert(std::move(user.str));
            }
            done(std::vector<std::string>(users.begin(), users.end()));
        },
        wait_for_connection);
}

}  // namespace muster::store
