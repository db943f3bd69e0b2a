#include "store/redis_duty_store.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include "muster/v1/event.pb.h"
#include "store/redis_gather.hpp"
#include "store/redis_scripts.hpp"

namespace muster::store {

namespace v1 = muster::v1;

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

Status no_such_call(const std::string& call_id) {
    return {errc::not_found, "no such duty call: " + call_id};
}

std::string state_word(std::int64_t state) {
    std::string name = v1::DutyCall::State_Name(static_cast<v1::DutyCall::State>(state));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return name;
}

std::int64_t integer_at(const redis::Reply& reply, std::size_t i) {
    std::int64_t value = 0;
    if (i < reply.elements.size()) redis::as_integer(reply.elements[i], value);
    return value;
}

// The status of a script's reply: ok for {0, ...}, the refusal it says otherwise (the codes of
// redis_duty_scripts.cpp), INTERNAL for anything else.
Status script_status(const Result<redis::Reply>& reply, const std::string& call_id,
                     const std::vector<std::string>& targets, const char* what) {
    if (!reply) return reply.status();
    std::int64_t code = 0;
    if (!reply->is_array() || reply->elements.empty() ||
        !redis::as_integer(reply->elements[0], code)) {
        return malformed(what);
    }
    switch (code) {
        case 0:
            return ok_status();
        case -1:
            return no_such_call(call_id);
        case -2:
            return {errc::conflict,
                    "duty call " + call_id + " is " + state_word(integer_at(*reply, 1))};
        case -3:
            return {errc::conflict, "duty call " + call_id + " took answers until its deadline"};
        case -4:
            return {errc::conflict,
                    "duty call " + call_id + " is full: " + std::to_string(integer_at(*reply, 1)) +
                        " of " + std::to_string(integer_at(*reply, 2)) + " slots are taken"};
        case -5: {
            const auto i = static_cast<std::size_t>(integer_at(*reply, 1));
            return {errc::not_found,
                    "no such group: " + (i >= 1 && i <= targets.size() ? targets[i - 1] : "?")};
        }
        case -6:
            return {errc::conflict, "duty call " + call_id + " exists already"};
        default:
            return malformed(what);
    }
}

// {0, seq, changed, waitlisted, previous state, DutyUpdate}
Result<DutyChange> parse_change(const redis::Reply& reply, const char* what) {
    if (reply.elements.size() < 6) return malformed(what);
    DutyChange change;
    change.seq = static_cast<std::uint64_t>(integer_at(reply, 1));
    change.changed = integer_at(reply, 2) != 0;
    change.waitlisted = integer_at(reply, 3) != 0;
    change.previous = static_cast<v1::DutyCall::State>(integer_at(reply, 4));
    if (!change.tally.ParseFromString(reply.elements[5].str)) return malformed(what);
    return change;
}

std::string event_head(const std::string& group, std::int64_t now_ms, const DutyActor& actor) {
    v1::Event event;
    event.set_group(group);
    event.set_time_ms(now_ms);
    event.set_sender(actor.user);
    event.set_sender_name(actor.name);
    return event.SerializeAsString();
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

std::string join_lines(const google::protobuf::RepeatedPtrField<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out.push_back('\n');
        out.append(item);
    }
    return out;
}

void push_args(std::vector<std::string>& args, const DutyPush& push, std::uint64_t max) {
    args.push_back(push.intent.title);
    args.push_back(push.intent.body);
    args.push_back(push.intent.data_json.empty() ? "{}" : push.intent.data_json);
    args.push_back(std::to_string(max));
    args.insert(args.end(), push.to.begin(), push.to.end());
}

}  // namespace

RedisDutyStore::RedisDutyStore(redis::Client& client, const redis::Keys& keys, LogConfig log,
                               PushOutboxLimits push, const Clock& clock)
    : client_(client), keys_(keys), log_(log), push_(push), clock_(clock) {}

// ---- where a call is ------------------------------------------------------------------------

RedisDutyStore::Invocation RedisDutyStore::invocation(const std::string& call_id,
                                                      const Targets& targets, std::int64_t now_ms,
                                                      const DutyActor& actor) const {
    const std::string& group = targets->front();
    Invocation out;
    out.keys = {keys_.duty_call(group, call_id),
                keys_.duty_answers(group, call_id),
                keys_.duty_order(group, call_id),
                keys_.duty_index(),
                keys_.duty_all(),
                keys_.duty_active(),
                keys_.duty_states(),
                keys_.users(),
                keys_.push_next(),
                keys_.push_ids(),
                keys_.push_data(),
                keys_.push_by_user()};
    out.args = {std::to_string(targets->size()), std::to_string(now_ms),
                std::to_string(log_.retention_events), call_id};
    for (const auto& target : *targets) {
        out.keys.push_back(keys_.seq(target));
        out.keys.push_back(keys_.log(target));
        out.keys.push_back(keys_.members(target));
        out.keys.push_back(keys_.duty_calls_in(target));
        out.args.push_back(keys_.group_channel(target));
        out.args.push_back(event_head(target, now_ms, actor));
    }
    return out;
}

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

// ---- changes --------------------------------------------------------------------------------

void RedisDutyStore::create(DutyCreation creation, Done<DutyCreated> done) {
    const v1::DutyCall& call = creation.call;
    if (call.target_groups_size() == 0 || call.target_groups(0) != call.group()) {
        done(Status(errc::internal, "a duty call's first target must be its group"));
        return;
    }
    auto targets = std::make_shared<const std::vector<std::string>>(call.target_groups().begin(),
                                                                    call.target_groups().end());
    Invocation run = invocation(call.call_id(), targets, call.created_at_ms(), creation.actor);
    run.args.push_back(call.SerializeAsString());
    run.args.push_back(std::to_string(call.slots()));
    run.args.push_back(call.waitlist() ? "1" : "0");
    run.args.push_back(std::to_string(call.deadline_ms()));
    run.args.push_back(call.created_by());
    run.args.push_back(std::to_string(call.created_at_ms()));
    run.args.push_back(call.title());
    run.args.push_back(join_lines(call.target_groups()));
    push_args(run.args, creation.push, push_.max_intents);
    client_.run(redis_scripts::duty_create(), std::move(run.keys), std::move(run.args),
                [this, call_id = call.call_id(), targets,
                 done = std::move(done)](Result<redis::Reply> reply) {
                    if (Status s = script_status(reply, call_id, *targets, "duty create"); !s) {
                        done(std::move(s));
                        return;
                    }
                    remember(call_id, targets);
                    DutyCreated created;
                    created.seq = static_cast<std::uint64_t>(integer_at(*reply, 1));
                    created.pushed = static_cast<std::uint32_t>(integer_at(*reply, 2));
                    created.duplicate = integer_at(*reply, 3) == 1;
                    done(created);
                });
}

void RedisDutyStore::change(const redis::Script& script, const std::string& call_id,
                            std::int64_t now_ms, DutyActor actor, std::vector<std::string> own,
                            Done<DutyChange> done) {
    locate(call_id, [this, &script, call_id, now_ms, actor = std::move(actor), own = std::move(own),
                     done = std::move(done)](Result<Targets> targets) {
        if (!targets) {
            done(targets.status());
            return;
        }
        Invocation run = invocation(call_id, *targets, now_ms, actor);
        run.args.insert(run.args.end(), own.begin(), own.end());
        client_.run(script, std::move(run.keys), std::move(run.args),
                    [call_id, targets = *targets, done](Result<redis::Reply> reply) {
                        if (Status s = script_status(reply, call_id, *targets, "duty change"); !s) {
                            done(std::move(s));
                            return;
                        }
                        done(parse_change(*reply, "duty change"));
                    });
    });
}

void RedisDutyStore::respond(DutyAnswer answer, Done<DutyChange> done) {
    if (answer.answer != v1::DutyRespond::ACCEPT && answer.answer != v1::DutyRespond::DECLINE) {
        done(Status(errc::invalid_argument, "answer must be ACCEPT or DECLINE"));
        return;
    }
    std::vector<std::string> own{answer.actor.user, answer.actor.name,
                                 std::to_string(answer.answer), answer.note};
    change(redis_scripts::duty_respond(), answer.call_id, answer.now_ms, std::move(answer.actor),
           std::move(own), std::move(done));
}

void RedisDutyStore::close(DutyClosing closing, Done<DutyChange> done) {
    std::vector<std::string> own{closing.cancel ? "1" : "0", closing.reason};
    change(redis_scripts::duty_close(), closing.call_id, closing.now_ms, std::move(closing.actor),
           std::move(own), std::move(done));
}

void RedisDutyStore::expire(std::string call_id, std::int64_t now_ms, Done<DutyChange> done) {
    change(redis_scripts::duty_expire(), call_id, now_ms, DutyActor{}, {}, std::move(done));
}

void RedisDutyStore::remind(DutyReminding reminding, Done<DutyReminded> done) {
    const std::string call_id = reminding.call_id;  // the lambda takes `reminding` first
    locate(call_id, [this, reminding = std::move(reminding),
                     done = std::move(done)](Result<Targets> targets) {
        if (!targets) {
            done(targets.status());
            return;
        }
        Invocation run = invocation(reminding.call_id, *targets, reminding.now_ms, DutyActor{});
        run.args.push_back(std::to_string(reminding.round));
        push_args(run.args, reminding.push, push_.max_intents);
        client_.run(
            redis_scripts::duty_remind(), std::move(run.keys), std::move(run.args),
            [call_id = reminding.call_id, targets = *targets, done](Result<redis::Reply> reply) {
                if (Status s = script_status(reply, call_id, *targets, "duty remind"); !s) {
                    done(std::move(s));
                    return;
                }
                if (reply->elements.size() < 7) {
                    done(malformed("duty remind"));
                    return;
                }
                DutyReminded reminded;
                reminded.sent = integer_at(*reply, 1) != 0;
                reminded.reminders_sent = static_cast<std::uint32_t>(integer_at(*reply, 2));
                reminded.last_reminder_ms = integer_at(*reply, 3);
                reminded.state = static_cast<v1::DutyCall::State>(integer_at(*reply, 4));
                reminded.deadline_ms = integer_at(*reply, 5);
                reminded.pushed = static_cast<std::uint32_t>(integer_at(*reply, 6));
                for (std::size_t i = 7; i < reply->elements.size(); ++i)
                    reminded.users.push_back(std::move(reply->elements[i].str));
                done(std::move(reminded));
            });
    });
}

// ---- reads ----------------------------------------------------------------------------------

void RedisDutyStore::read(const std::string& call_id, std::string what, Done<Snapshot> done) {
    locate(call_id, [this, call_id, what = std::move(what),
                     done = std::move(done)](Result<Targets> targets) {
        if (!targets) {
            done(targets.status());
            return;
        }
        Invocation run = invocation(call_id, *targets, 0, DutyActor{});
        run.args.push_back(what);
        client_.run(
            redis_scripts::duty_read(), std::move(run.keys), std::move(run.args),
            [call_id, what, targets = *targets, done](Result<redis::Reply> reply) {
                if (Status s = script_status(reply, call_id, *targets, "duty read"); !s) {
                    done(std::move(s));
                    return;
                }
                auto& items = reply->elements;
                Snapshot snapshot;
                if (items.size() < 7 || !snapshot.call.ParseFromString(items[1].str) ||
                    !snapshot.tally.ParseFromString(items[6].str)) {
                    done(malformed("duty read"));
                    return;
                }
                snapshot.call.set_state(static_cast<v1::DutyCall::State>(integer_at(*reply, 2)));
                for (std::size_t i = 7; i < items.size(); ++i) {
                    if (items[i].is_integer()) items[i].str = std::to_string(items[i].integer);
                    snapshot.items.push_back(std::move(items[i].str));
                }
                done(std::move(snapshot));
            },
            wait_for_connection);
    });
}

void RedisDutyStore::audience(std::vector<std::string> groups,
                              Done<std::vector<std::string>> done) {
    if (groups.empty()) {
        done(std::vector<std::string>{});
        return;
    }
    std::vector<std::string> keys;
    keys.reserve(groups.size());
    for (const auto& group : groups) keys.push_back(keys_.members(group));
    client_.run(
        redis_scripts::duty_audience(), std::move(keys), {},
        [done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            std::vector<std::string> users;
            for (auto& user : reply->elements) users.push_back(std::move(user.str));
            std::sort(users.begin(), users.end());
            done(std::move(users));
        },
        wait_for_connection);
}

void RedisDutyStore::silent(std::string call_id, Done<std::vector<std::string>> done) {
    read(call_id, "silent", [done = std::move(done)](Result<Snapshot> snapshot) {
        if (!snapshot) {
            done(snapshot.status());
            return;
        }
        std::sort(snapshot->items.begin(), snapshot->items.end());
        done(std::move(snapshot->items));
    });
}

void RedisDutyStore::find(std::string call_id, Done<v1::DutyCall> done) {
    read(call_id, "call", [done = std::move(done)](Result<Snapshot> snapshot) {
        if (!snapshot) {
            done(snapshot.status());
        } else {
            done(std::move(snapshot->call));
        }
    });
}

void RedisDutyStore::get(std::string call_id, Done<v1::DutyCallRecord> done) {
    read(call_id, "record", [done = std::move(done)](Result<Snapshot> snapshot) {
        if (!snapshot) {
            done(snapshot.status());
            return;
        }
        v1::DutyCallRecord record;
        *record.mutable_call() = std::move(snapshot->call);
        *record.mutable_tally() = std::move(snapshot->tally);
        const auto& items = snapshot->items;
        for (std::size_t i = 0; i + 6 <= items.size(); i += 6) {
            auto* response = record.add_responses();
            response->set_user(items[i]);
            response->set_answer(static_cast<v1::DutyRespond::Answer>(std::stoi(items[i + 1])));
            response->set_note(items[i + 2]);
            response->set_time_ms(std::stoll(items[i + 3]));
            response->set_name(items[i + 4]);
            response->set_waitlisted(items[i + 5] == "1");
        }
        done(std::move(record));
    });
}

void RedisDutyStore::list(DutyListQuery query, Done<std::vector<v1::DutyCallRecord>> done) {
    std::vector<std::string> keys{keys_.duty_states()};
    if (query.groups.empty()) {
        keys.push_back(keys_.duty_all());
    } else {
        for (const auto& group : query.groups) keys.push_back(keys_.duty_calls_in(group));
    }
    const std::uint32_t limit = query.limit;
    client_.run(
        redis_scripts::duty_list(), std::move(keys),
        {std::to_string(static_cast<int>(query.state)), std::to_string(limit)},
        [this, limit, done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            // (created_at_ms, call_id) of the newest `limit` calls of each group, merged.
            std::vector<std::pair<std::int64_t, std::string>> found;
            for (std::size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
                found.emplace_back(integer_at(*reply, i + 1), reply->elements[i].str);
            }
            std::sort(found.begin(), found.end(), std::greater<>());
            found.erase(std::unique(found.begin(), found.end()), found.end());
            if (found.size() > limit) found.resize(limit);
            auto ids = std::make_shared<std::vector<std::string>>();
            for (auto& [created, id] : found) ids->push_back(std::move(id));
            gather<std::optional<v1::DutyCallRecord>>(
                ids->size(),
                [this, ids](std::size_t i, const Done<std::optional<v1::DutyCallRecord>>& one) {
                    read((*ids)[i], "summary", [one](Result<Snapshot> snapshot) {
                        if (!snapshot) {
                            // Gone meanwhile: listed no more.
                            if (snapshot.status().code() == errc::not_found) {
                                one(std::optional<v1::DutyCallRecord>{});
                            } else {
                                one(snapshot.status());
                            }
                            return;
                        }
                        v1::DutyCallRecord record;
                        *record.mutable_call() = std::move(snapshot->call);
                        *record.mutable_tally() = std::move(snapshot->tally);
                        one(std::optional<v1::DutyCallRecord>(std::move(record)));
                    });
                },
                [done](Result<std::vector<std::optional<v1::DutyCallRecord>>> records) {
                    if (!records) {
                        done(records.status());
                        return;
                    }
                    std::vector<v1::DutyCallRecord> out;
                    for (auto& record : *records) {
                        if (record) out.push_back(std::move(*record));
                    }
                    done(std::move(out));
                });
        },
        wait_for_connection);
}

void RedisDutyStore::list_active(Done<std::vector<DutyTimerState>> done) {
    const std::int64_t now = clock_.now_ms();
    client_.command(
        {"ZRANGE", keys_.duty_active(), "0", "-1"},
        [this, now, done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            auto ids = std::make_shared<std::vector<std::string>>();
            for (auto& id : reply->elements) ids->push_back(std::move(id.str));
            gather<std::optional<DutyTimerState>>(
                ids->size(),
                [this, ids](std::size_t i, const Done<std::optional<DutyTimerState>>& one) {
                    const std::string& id = (*ids)[i];
                    locate(id, [this, id, one](Result<Targets> targets) {
                        if (!targets) {
                            if (targets.status().code() == errc::not_found) {
                                one(std::optional<DutyTimerState>{});
                            } else {
                                one(targets.status());
                            }
                            return;
                        }
                        client_.command(
                            {"HMGET", keys_.duty_call((*targets)->front(), id), "state", "deadline",
                             "created_at", "reminders", "last_reminder"},
                            [id, one](Result<redis::Reply> fields) {
                                if (!fields) {
                                    one(fields.status());
                                    return;
                                }
                                if (!fields->is_array() || fields->elements.size() != 5 ||
                                    fields->elements[0].is_nil()) {
                                    one(std::optional<DutyTimerState>{});
                                    return;
                                }
                                DutyTimerState state;
                                state.call_id = id;
                                state.state =
                                    static_cast<v1::DutyCall::State>(integer_at(*fields, 0));
                                state.deadline_ms = integer_at(*fields, 1);
                                state.created_at_ms = integer_at(*fields, 2);
                                state.reminders_sent =
                                    static_cast<std::uint32_t>(integer_at(*fields, 3));
                                state.last_reminder_ms = integer_at(*fields, 4);
                                one(std::optional<DutyTimerState>(std::move(state)));
                            },
                            wait_for_connection);
                    });
                },
                [now, done](Result<std::vector<std::optional<DutyTimerState>>> states) {
                    if (!states) {
                        done(states.status());
                        return;
                    }
                    // OPEN ones, and FILLED ones before their deadline (as the SQLite store).
                    std::vector<DutyTimerState> out;
                    for (auto& state : *states) {
                        if (!state) continue;
                        if (state->state == v1::DutyCall::OPEN ||
                            (state->state == v1::DutyCall::FILLED && state->deadline_ms > now)) {
                            out.push_back(std::move(*state));
                        }
                    }
                    done(std::move(out));
                });
        },
        wait_for_connection);
}

}  // namespace muster::store
