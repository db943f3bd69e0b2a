#include "store/redis/redis_meeting_store.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include "core/log.hpp"
#include "store/redis/lua_call.hpp"
#include "store/redis/redis_gather.hpp"

namespace muster::store {

namespace v1 = muster::v1;

namespace {

// Meetings whose group a node remembers; past this the cache starts again.
constexpr std::size_t max_cached_meetings = 10000;

// A change that keeps losing to other nodes' changes of the same meeting gives up after this
// many tries (each one lost means another change was stored: the meeting is busy, not stuck).
constexpr int max_attempts = 200;

constexpr bool wait_for_connection = true;

Status malformed(const char* what) {
    return {errc::internal, std::string("redis: unexpected reply to ") + what};
}

Status no_such_meeting(const std::string& id) {
    return {errc::not_found, "no such meeting: " + id};
}

std::int64_t integer_at(const redis::Reply& reply, std::size_t i) {
    std::int64_t value = 0;
    if (i < reply.elements.size()) redis::as_integer(reply.elements[i], value);
    return value;
}

// SCHEDULED or LIVE: in the unfinished set.
bool unfinished_phase(v1::MeetingState::Phase phase) {
    return phase == v1::MeetingState::SCHEDULED || phase == v1::MeetingState::LIVE;
}

bool worth_storing(const MeetingChange& change) {
    return change.updates() || change.record_changed || !change.closed.empty();
}

// What meeting_create.lua and meeting_swap.lua both write (their ARGV but the 8th, which is
// the group for one and the version read for the other).
struct MeetingWrite {
    std::string id;
    std::string record;
    int phase = 0;
    std::string event;  // '' = none
    std::string channel;
    std::int64_t time_ms = 0;
    std::uint64_t retention = 0;
    std::vector<std::string> intervals;  // the closed attendance intervals
};

MeetingWrite meeting_write(const v1::MeetingRecord& record, const MeetingChange& change,
                           std::int64_t now_ms, const redis::Keys& keys, const LogConfig& log) {
    const auto& state = record.state();
    MeetingWrite write{
        .id = state.meeting_id(),
        .record = record.SerializeAsString(),
        .phase = static_cast<int>(state.phase()),
        .event = change.updates() ? meeting_update_event(record, change, now_ms).SerializeAsString()
                                  : std::string(),
        .channel = keys.group_channel(state.group()),
        .time_ms = now_ms,
        .retention = log.retention_events,
        .intervals = {}};
    for (const auto& interval : change.closed) {
        v1::MeetingInterval stored;
        stored.set_user(interval.user);
        stored.set_name(interval.name);
        stored.set_joined_ms(interval.joined_ms);
        stored.set_left_ms(interval.left_ms);
        write.intervals.push_back(stored.SerializeAsString());
    }
    return write;
}

}  // namespace

RedisMeetingStore::RedisMeetingStore(redis::Client& client, const redis::Keys& keys,
                                     RedisPresence& presence, LogConfig log, const Clock& clock,
                                     std::chrono::milliseconds presence_ttl)
    : client_(client)
    , keys_(keys)
    , presence_(presence)
    , log_(log)
    , clock_(clock)
    , presence_ttl_(presence_ttl)
    , liveness_timer_(client.loop().io()) {}

RedisMeetingStore::~RedisMeetingStore() {
    close();
}

void RedisMeetingStore::close() {
    client_.loop().run_blocking([this] {
        watching_ = false;
        liveness_timer_.cancel();
    });
}

// ---- where a meeting is ---------------------------------------------------------------------

void RedisMeetingStore::locate(const std::string& meeting_id, Done<std::string> done) {
    std::optional<std::string> cached;
    {
        std::lock_guard lock(mutex_);
        if (const auto found = groups_.find(meeting_id); found != groups_.end())
            cached = found->second;
    }
    if (cached) {
        done(std::move(*cached));  // outside the lock: `done` may locate again
        return;
    }
    client_.command(
        {"HGET", keys_.meeting_groups(), meeting_id},
        [this, meeting_id, done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            if (!reply->is_string()) {
                done(no_such_meeting(meeting_id));
                return;
            }
            {
                std::lock_guard lock(mutex_);
                if (groups_.size() >= max_cached_meetings) groups_.clear();
                groups_[meeting_id] = reply->str;
            }
            done(std::move(reply->str));
        },
        wait_for_connection);
}

void RedisMeetingStore::read(const std::string& meeting_id, bool intervals, Done<Read> done) {
    locate(meeting_id,
           [this, meeting_id, intervals, done = std::move(done)](Result<std::string> group) {
               if (!group) {
                   done(group.status());
                   return;
               }
               lua::run<lua::MeetingRead>(
                   client_,
                   {.meeting_key = keys_.meeting(*group, meeting_id),
                    .attendance_key = keys_.meeting_attendance(*group, meeting_id)},
                   {.with = intervals ? "attendance" : "record"},
                   [meeting_id, done](Result<redis::Reply> reply) {
                       if (!reply) {
                           done(reply.status());
                           return;
                       }
                       if (!reply->is_array() || reply->elements.empty()) {
                           done(malformed("meeting read"));
                           return;
                       }
                       if (integer_at(*reply, 0) == -1) {
                           done(no_such_meeting(meeting_id));
                           return;
                       }
                       Read out;
                       if (reply->elements.size() < 3 ||
                           !out.record.ParseFromString(reply->elements[1].str)) {
                           done(Status{errc::internal,
                                       "meeting " + meeting_id + ": stored record does not parse"});
                           return;
                       }
                       out.version = reply->elements[2].str;
                       for (std::size_t i = 3; i < reply->elements.size(); ++i) {
                           v1::MeetingInterval stored;
                           if (!stored.ParseFromString(reply->elements[i].str)) continue;
                           out.intervals.push_back(AttendanceInterval{
                               stored.user(), stored.name(), stored.joined_ms(), stored.left_ms()});
                       }
                       done(std::move(out));
                   },
                   wait_for_connection);
           });
}

// ---- changes --------------------------------------------------------------------------------

void RedisMeetingStore::create(v1::MeetingRecord record, MeetingChange first,
                               Done<MeetingApplied> done) {
    const std::string id = record.state().meeting_id();
    const std::string group = record.state().group();
    // The id first, in the index's slot; then the record, in the group's (one slot each on a
    // Redis Cluster: lua/meeting_claim.lua, lua/meeting_create.lua).
    lua::run<lua::MeetingClaim>(
        client_,
        {.groups_key = keys_.meeting_groups(), .unfinished_key = keys_.meetings_unfinished()},
        {.id = id, .group = group},
        [this, id, group, record = std::move(record), first = std::move(first),
         done = std::move(done)](Result<redis::Reply> claim) mutable {
            if (!claim) {
                done(claim.status());
                return;
            }
            if (!claim->is_string()) {
                done(malformed("meeting claim"));
                return;
            }
            if (!claim->str.empty() && claim->str != group) {
                done(Status{errc::conflict, "meeting " + id + " exists"});
                return;
            }
            create_record(std::move(record), std::move(first), std::move(done));
        });
}

void RedisMeetingStore::create_record(v1::MeetingRecord record, MeetingChange first,
                                      Done<MeetingApplied> done) {
    const std::int64_t now = clock_.now_ms();
    const std::string id = record.state().meeting_id();
    const std::string group = record.state().group();
    MeetingWrite write = meeting_write(record, first, now, keys_, log_);
    lua::MeetingCreate::Keys keys{.meeting_key = keys_.meeting(group, id),
                                  .attendance_key = keys_.meeting_attendance(group, id),
                                  .seq_key = keys_.seq(group),
                                  .log_key = keys_.log(group)};
    lua::MeetingCreate::Args args{.id = std::move(write.id),
                                  .record = std::move(write.record),
                                  .phase = write.phase,
                                  .event = std::move(write.event),
                                  .channel = std::move(write.channel),
                                  .time_ms = write.time_ms,
                                  .retention = write.retention,
                                  .group = group,
                                  .more = std::move(write.intervals)};
    lua::run<lua::MeetingCreate>(
        client_, std::move(keys), std::move(args),
        [this, id, group, record = std::move(record), first = std::move(first),
         done = std::move(done)](Result<redis::Reply> reply) mutable {
            if (!reply) {
                done(reply.status());
                return;
            }
            const std::int64_t code = integer_at(*reply, 0);
            if (!reply->is_array() || code == -5) {
                if (reply->is_array()) {
                    // No such group: the claim goes too (best effort; a claim without a
                    // record reads as no meeting).
                    lua::run<lua::MeetingUnclaim>(client_,
                                                  {.groups_key = keys_.meeting_groups(),
                                                   .unfinished_key = keys_.meetings_unfinished()},
                                                  {.id = id, .group = group},
                                                  [](const Result<redis::Reply>&) {});
                }
                done(reply->is_array() ? Status{errc::not_found, "no such group: " + group}
                                       : malformed("meeting create"));
                return;
            }
            if (code == -6) {
                // A retry by the same host in the same group gets the meeting it scheduled.
                MeetingApplied earlier;
                if (reply->elements.size() >= 3 &&
                    earlier.record.ParseFromString(reply->elements[1].str) &&
                    earlier.record.state().host() == record.state().host()) {
                    earlier.seq = static_cast<std::uint64_t>(integer_at(*reply, 2));
                    earlier.duplicate = true;
                    done(std::move(earlier));
                    return;
                }
                done(Status{errc::conflict, "meeting " + id + " exists"});
                return;
            }
            {
                std::lock_guard lock(mutex_);
                if (groups_.size() >= max_cached_meetings) groups_.clear();
                groups_[id] = group;
            }
            done(MeetingApplied{static_cast<std::uint64_t>(integer_at(*reply, 1)),
                                std::move(record), std::move(first)});
        });
}

void RedisMeetingStore::apply(std::string meeting_id, MeetingRule rule, Done<MeetingApplied> done) {
    if (client_.closed()) {  // the loop would never run it
        done(Status{errc::unavailable, "redis store closed"});
        return;
    }
    client_.loop().post([this, meeting_id = std::move(meeting_id), rule = std::move(rule),
                         done = std::move(done)]() mutable {
        auto& queue = queues_[meeting_id];
        queue.push_back(Pending{std::move(rule), std::move(done)});
        if (queue.size() == 1) run_next(meeting_id);
    });
}

void RedisMeetingStore::run_next(const std::string& meeting_id) {
    locate(meeting_id, [this, meeting_id](Result<std::string> group) {
        // On the Redis thread: a reply, or the cache asked from run_next (also there).
        if (!group) {
            finish(meeting_id, group.status());
            return;
        }
        attempt(meeting_id, *group, 1);
    });
}

void RedisMeetingStore::attempt(const std::string& meeting_id, const std::string& group,
                                int attempt) {
    read(meeting_id, false, [this, meeting_id, group, attempt](Result<Read> read) {
        if (!read) {
            finish(meeting_id, read.status());
            return;
        }
        const std::int64_t now = clock_.now_ms();
        const MeetingRule& rule = queues_[meeting_id].front().rule;
        Result<MeetingChange> change = rule(read->record, now);
        if (!change) {
            finish(meeting_id, change.status());
            return;
        }
        if (!worth_storing(*change)) {
            finish(meeting_id, MeetingApplied{0, std::move(read->record), std::move(*change)});
            return;
        }
        MeetingWrite write = meeting_write(read->record, *change, now, keys_, log_);
        lua::MeetingSwap::Keys keys{.meeting_key = keys_.meeting(group, meeting_id),
                                    .attendance_key = keys_.meeting_attendance(group, meeting_id),
                                    .seq_key = keys_.seq(group),
                                    .log_key = keys_.log(group)};
        lua::MeetingSwap::Args args{.id = std::move(write.id),
                                    .record = std::move(write.record),
                                    .phase = write.phase,
                                    .event = std::move(write.event),
                                    .channel = std::move(write.channel),
                                    .time_ms = write.time_ms,
                                    .retention = write.retention,
                                    .expected_version = read->version,
                                    .more = std::move(write.intervals)};
        lua::run<lua::MeetingSwap>(
            client_, std::move(keys), std::move(args),
            [this, meeting_id, group, attempt, record = std::move(read->record),
             change = std::move(*change)](Result<redis::Reply> reply) mutable {
                if (!reply) {
                    finish(meeting_id, reply.status());
                    return;
                }
                const std::int64_t code = integer_at(*reply, 0);
                if (!reply->is_array()) {
                    finish(meeting_id, malformed("meeting swap"));
                } else if (code == -1) {
                    finish(meeting_id, no_such_meeting(meeting_id));
                } else if (code == -7) {
                    // Another node changed it since it was read: the rule runs again.
                    if (attempt >= max_attempts) {
                        finish(meeting_id,
                               Status{errc::unavailable, "meeting " + meeting_id +
                                                             " is changing too fast; try again"});
                    } else {
                        this->attempt(meeting_id, group, attempt + 1);
                    }
                } else {
                    if (!unfinished_phase(record.state().phase())) {
                        // Ended: out of the unfinished set, in the index's own slot
                        // (best effort: unfinished() skips ended records anyway).
                        client_.command({"SREM", keys_.meetings_unfinished(), meeting_id},
                                        [](const Result<redis::Reply>&) {});
                    }
                    finish(meeting_id,
                           MeetingApplied{static_cast<std::uint64_t>(integer_at(*reply, 1)),
                                          std::move(record), std::move(change)});
                }
            });
    });
}

void RedisMeetingStore::finish(const std::string& meeting_id, Result<MeetingApplied> result) {
    auto found = queues_.find(meeting_id);
    if (found == queues_.end() || found->second.empty()) return;
    Pending pending = std::move(found->second.front());
    found->second.pop_front();
    if (found->second.empty()) {
        queues_.erase(found);
    } else {
        run_next(meeting_id);
    }
    pending.done(std::move(result));
}

// ---- reads ----------------------------------------------------------------------------------

void RedisMeetingStore::get(std::string meeting_id, Done<v1::MeetingRecord> done) {
    read(meeting_id, false, [done = std::move(done)](Result<Read> read) {
        if (!read) {
            done(read.status());
        } else {
            done(std::move(read->record));
        }
    });
}

void RedisMeetingStore::attendance(std::string meeting_id, Done<AttendanceSnapshot> done) {
    read(meeting_id, true, [this, done = std::move(done)](Result<Read> read) {
        if (!read) {
            done(read.status());
            return;
        }
        AttendanceSnapshot snapshot;
        snapshot.record = std::move(read->record);
        snapshot.intervals = std::move(read->intervals);
        snapshot.now_ms = clock_.now_ms();
        done(std::move(snapshot));
    });
}

void RedisMeetingStore::unfinished(Done<std::vector<v1::MeetingRecord>> done) {
    client_.command(
        {"SMEMBERS", keys_.meetings_unfinished()},
        [this, done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            auto ids = std::make_shared<std::vector<std::string>>();
            for (auto& id : reply->elements) ids->push_back(std::move(id.str));
            gather<std::optional<v1::MeetingRecord>>(
                ids->size(),
                [this, ids](std::size_t i, const Done<std::optional<v1::MeetingRecord>>& one) {
                    read((*ids)[i], false, [one](Result<Read> read) {
                        if (read) {
                            one(std::optional<v1::MeetingRecord>(std::move(read->record)));
                        } else if (read.status().code() == errc::not_found) {
                            one(std::optional<v1::MeetingRecord>{});
                        } else {
                            one(read.status());
                        }
                    });
                },
                [done](Result<std::vector<std::optional<v1::MeetingRecord>>> records) {
                    if (!records) {
                        done(records.status());
                        return;
                    }
                    std::vector<v1::MeetingRecord> out;
                    for (auto& record : *records) {
                        // Ended meanwhile (the set is updated with the record): not unfinished.
                        if (record && record->state().phase() != v1::MeetingState::ENDED)
                            out.push_back(std::move(*record));
                    }
                    done(std::move(out));
                });
        },
        wait_for_connection);
}

// ---- liveness -------------------------------------------------------------------------------

void RedisMeetingStore::live_processes(Done<std::vector<std::string>> done) {
    presence_.live_nodes(std::move(done));
}

void RedisMeetingStore::watch_liveness(const std::function<void(std::vector<std::string>)>& fn) {
    client_.loop().post([this, fn = std::function<void(std::vector<std::string>)>(fn)]() mutable {
        on_liveness_ = std::move(fn);
        watching_ = true;
        schedule_liveness();
    });
}

void RedisMeetingStore::schedule_liveness() {
    liveness_timer_.expires_after(
        std::max<std::chrono::milliseconds>(presence_ttl_ / 4, std::chrono::milliseconds(250)));
    liveness_timer_.async_wait([this](const boost::system::error_code& error) {
        if (error || !watching_) return;
        presence_.live_nodes([this](Result<std::vector<std::string>> live) {
            if (!watching_) return;
            if (!live) {
                MUSTER_LOG_DEBUG("meetings") << "liveness: " << live.status().message();
                return;
            }
            const auto now = std::chrono::steady_clock::now();
            if (std::find(live->begin(), live->end(), process()) == live->end()) {
                alive_since_.reset();  // our own heartbeat lapsed: so may everyone's have
                return;
            }
            if (!alive_since_) alive_since_ = now;
            if (now - *alive_since_ < presence_ttl_) return;  // the others may not have beaten
            on_liveness_(std::move(*live));
        });
        schedule_liveness();
    });
}

}  // namespace muster::store
