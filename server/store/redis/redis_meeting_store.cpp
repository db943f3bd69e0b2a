#include "store/redis/redis_meeting_store.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include "core/log.hpp"
#include "features/meetings/meeting_event.hpp"
#include "store/redis/record_scripts.hpp"
#include "store/redis/redis_gather.hpp"

namespace muster::store {

using features::meetings::AttendanceInterval;
using features::meetings::AttendanceSnapshot;
using features::meetings::meeting_update_event;
using features::meetings::MeetingApplied;
using features::meetings::MeetingChange;
using features::meetings::MeetingRule;
using features::meetings::retries_schedule;

namespace v1 = muster::v1;

namespace {

// Meetings whose group a node remembers; past this the cache starts again.
constexpr std::size_t max_cached_meetings = 10000;

// A create that finds its id claimed, and the claim let go before it could see by whom (a
// create of the same id that found no group), claims again at most this many times.
constexpr int max_claims = 3;

constexpr bool wait_for_connection = true;

// The field of the meeting's hash that keeps the seq of its SCHEDULED event.
constexpr const char* scheduled_seq_field = "scheduled_seq";

Status malformed(const char* what) {
    return {errc::internal, std::string("redis: unexpected reply to ") + what};
}

Status no_such_meeting(const std::string& id) {
    return {errc::not_found, "no such meeting: " + id};
}

Status exists(const std::string& id) {
    return {errc::conflict, "meeting " + id + " exists"};
}

// SCHEDULED or LIVE: in the unfinished set.
bool unfinished_phase(v1::MeetingState::Phase phase) {
    return phase == v1::MeetingState::SCHEDULED || phase == v1::MeetingState::LIVE;
}

bool worth_storing(const MeetingChange& change) {
    return change.updates() || change.record_changed || !change.closed.empty();
}

// The swap that stores a change of a meeting, all in its group's hash tag: the record (read at
// `version`; '' = a new meeting), its phase beside it (for whoever looks at Redis), the closed
// attendance intervals appended to its list and its MeetingUpdate event (a new meeting keeps
// the event's seq, for a retried create).
RecordSwap swap_of_change(const v1::MeetingRecord& record, std::string version,
                          const MeetingChange& change, std::int64_t now_ms, const redis::Keys& keys,
                          const LogConfig& log) {
    const auto& state = record.state();
    const std::string key = keys.meeting(state.group(), state.meeting_id());
    const bool created = version.empty();
    RecordSwap swap;
    swap.records.push_back({key, std::move(version), record.SerializeAsString()});
    swap.indexes.push_back({key, 'h', "phase", std::to_string(static_cast<int>(state.phase()))});
    const std::string attendance = keys.meeting_attendance(state.group(), state.meeting_id());
    for (const auto& interval : change.closed) {
        v1::MeetingInterval stored;
        stored.set_user(interval.user);
        stored.set_name(interval.name);
        stored.set_joined_ms(interval.joined_ms);
        stored.set_left_ms(interval.left_ms);
        swap.indexes.push_back({attendance, 'l', "", stored.SerializeAsString()});
    }
    if (change.updates()) {
        swap.events.push_back({state.group(),
                               meeting_update_event(record, change, now_ms).SerializeAsString(),
                               now_ms, created ? scheduled_seq_field : ""});
    }
    swap.retention_events = log.retention_events;
    // A change fails at once while Redis is away (the member may try again), not after it.
    swap.wait_for_connection = false;
    return swap;
}

std::uint64_t first_seq(const RecordSwap::Outcome& outcome) {
    return outcome.seqs.empty() ? 0 : outcome.seqs.front();
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
    locate(meeting_id, [this, meeting_id, intervals,
                        done = std::move(done)](Result<std::string> group) mutable {
        if (!group) {
            done(group.status());
            return;
        }
        RecordsRead read{.records = {keys_.meeting(*group, meeting_id)}, .lists = {}};
        if (intervals) read.lists.push_back(keys_.meeting_attendance(*group, meeting_id));
        std::move(read).run(client_, [meeting_id,
                                      done = std::move(done)](Result<RecordsRead::Outcome> got) {
            if (!got) {
                done(got.status());
                return;
            }
            const RecordsRead::Stored& stored = got->records.at(0);
            if (stored.version.empty()) {
                done(no_such_meeting(meeting_id));
                return;
            }
            Read out;
            if (!out.record.ParseFromString(stored.value)) {
                done(Status{errc::internal,
                            "meeting " + meeting_id + ": stored record does not parse"});
                return;
            }
            out.version = stored.version;
            for (const auto& item :
                 got->lists.empty() ? std::vector<std::string>{} : got->lists.front()) {
                v1::MeetingInterval interval;
                if (!interval.ParseFromString(item)) continue;
                out.intervals.push_back(AttendanceInterval{
                    interval.user(), interval.name(), interval.joined_ms(), interval.left_ms()});
            }
            done(std::move(out));
        });
    });
}

// ---- changes --------------------------------------------------------------------------------

void RedisMeetingStore::create(v1::MeetingRecord record, MeetingChange first,
                               Done<MeetingApplied> done) {
    claim(std::move(record), std::move(first), std::move(done), 1);
}

void RedisMeetingStore::claim(v1::MeetingRecord record, MeetingChange first,
                              Done<MeetingApplied> done, int tries) {
    const std::string id = record.state().meeting_id();
    const std::string group = record.state().group();
    // The id first, in the index's slot ({meetings}): a unique index entry naming the group,
    // and the id counted unfinished; then the record, in the group's slot (create_record).
    RecordSwap swap;
    swap.indexes.push_back({keys_.meeting_groups(), 'n', id, group});
    swap.indexes.push_back({keys_.meetings_unfinished(), 's', id, ""});
    swap.wait_for_connection = false;
    std::move(swap).run(
        client_, keys_,
        [this, id, group, tries, record = std::move(record), first = std::move(first),
         done = std::move(done)](Result<RecordSwap::Outcome> claimed) mutable {
            if (!claimed) {
                done(claimed.status());
                return;
            }
            if (claimed->kind == RecordSwap::Outcome::Kind::written) {
                create_record(std::move(record), std::move(first), std::move(done));
                return;
            }
            if (claimed->kind != RecordSwap::Outcome::Kind::taken) {
                done(malformed("meeting claim"));
                return;
            }
            // Taken: by this group (a retried create goes on to the record, which says whether
            // it is a retry) or by another (CONFLICT).
            client_.command(
                {"HGET", keys_.meeting_groups(), id},
                [this, id, group, tries, record = std::move(record), first = std::move(first),
                 done = std::move(done)](Result<redis::Reply> owner) mutable {
                    if (!owner) {
                        done(owner.status());
                    } else if (owner->is_string() && owner->str == group) {
                        create_record(std::move(record), std::move(first), std::move(done));
                    } else if (owner->is_string()) {
                        done(exists(id));
                    } else if (tries >= max_claims) {
                        done(Status{errc::unavailable,
                                    "meeting " + id + " is being created; try again"});
                    } else {
                        claim(std::move(record), std::move(first), std::move(done), tries + 1);
                    }
                });
        });
}

void RedisMeetingStore::create_record(v1::MeetingRecord record, MeetingChange first,
                                      Done<MeetingApplied> done) {
    const std::string id = record.state().meeting_id();
    const std::string group = record.state().group();
    RecordSwap swap = swap_of_change(record, "", first, clock_.now_ms(), keys_, log_);
    if (swap.events.empty()) {
        // The group is checked by its event's append; a first change without one (none today)
        // is refused rather than stored unchecked.
        done(Status{errc::internal, "meeting " + id + ": a new meeting needs an event"});
        return;
    }
    std::move(swap).run(client_, keys_,
                        [this, id, group, record = std::move(record), first = std::move(first),
                         done = std::move(done)](Result<RecordSwap::Outcome> outcome) mutable {
                            if (!outcome) {
                                done(outcome.status());
                                return;
                            }
                            switch (outcome->kind) {
                                case RecordSwap::Outcome::Kind::written: {
                                    {
                                        std::lock_guard lock(mutex_);
                                        if (groups_.size() >= max_cached_meetings) groups_.clear();
                                        groups_[id] = group;
                                    }
                                    const std::uint64_t seq = first_seq(*outcome);
                                    done(MeetingApplied{seq, std::move(record), std::move(first)});
                                    return;
                                }
                                case RecordSwap::Outcome::Kind::no_group:
                                    unclaim(id, group);
                                    done(Status{errc::not_found, "no such group: " + group});
                                    return;
                                case RecordSwap::Outcome::Kind::changed:
                                    // The record exists: a retry of its create, or another
                                    // meeting's id.
                                    earlier(std::move(record), std::move(done));
                                    return;
                                default:
                                    done(malformed("meeting create"));
                                    return;
                            }
                        });
}

void RedisMeetingStore::unclaim(const std::string& id, const std::string& group) {
    // Only the claim this group made (another create may have claimed the id since); best
    // effort: a claim without a record reads as no meeting, and unfinished() skips it.
    RecordSwap swap;
    swap.indexes.push_back({keys_.meeting_groups(), 'e', id, group});
    swap.indexes.push_back({keys_.meeting_groups(), 'd', id, ""});
    swap.indexes.push_back({keys_.meetings_unfinished(), 'x', id, ""});
    swap.wait_for_connection = false;
    std::move(swap).run(client_, keys_, [](const Result<RecordSwap::Outcome>&) {});
}

void RedisMeetingStore::earlier(v1::MeetingRecord asked, Done<MeetingApplied> done) {
    const std::string id = asked.state().meeting_id();
    // The key before `asked` moves into the callback (arguments are evaluated in any order).
    std::vector<std::string> command{"HMGET", keys_.meeting(asked.state().group(), id), "record",
                                     scheduled_seq_field};
    client_.command(
        std::move(command),
        [id, asked = std::move(asked), done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            if (!reply->is_array() || reply->elements.size() != 2) {
                done(malformed("meeting read"));
                return;
            }
            MeetingApplied stored;
            if (!reply->elements[0].is_string() ||
                !stored.record.ParseFromString(reply->elements[0].str) ||
                !retries_schedule(stored.record, asked)) {
                done(exists(id));
                return;
            }
            std::int64_t seq = 0;  // none kept: 0
            if (reply->elements[1].is_string()) redis::as_integer(reply->elements[1], seq);
            stored.seq = seq > 0 ? static_cast<std::uint64_t>(seq) : 0;
            stored.duplicate = true;
            done(std::move(stored));
        },
        wait_for_connection);
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
        RecordSwap swap = swap_of_change(read->record, read->version, *change, now, keys_, log_);
        std::move(swap).run(
            client_, keys_,
            [this, meeting_id, group, attempt, record = std::move(read->record),
             change = std::move(*change)](Result<RecordSwap::Outcome> outcome) mutable {
                if (!outcome) {
                    finish(meeting_id, outcome.status());
                    return;
                }
                switch (outcome->kind) {
                    case RecordSwap::Outcome::Kind::written:
                        break;
                    case RecordSwap::Outcome::Kind::changed:
                        // Another node changed it since it was read (or it is gone: the next
                        // read says so): the rule runs again.
                        if (attempt >= RecordSwap::max_attempts) {
                            finish(meeting_id, Status{errc::unavailable,
                                                      "meeting " + meeting_id +
                                                          " is changing too fast; try again"});
                        } else {
                            this->attempt(meeting_id, group, attempt + 1);
                        }
                        return;
                    case RecordSwap::Outcome::Kind::no_group:
                        finish(meeting_id, Status{errc::not_found, "no such group: " + group});
                        return;
                    default:
                        finish(meeting_id, malformed("meeting swap"));
                        return;
                }
                if (!unfinished_phase(record.state().phase())) {
                    // Ended: out of the unfinished set, in the index's own slot (best effort:
                    // unfinished() skips ended records anyway).
                    client_.command({"SREM", keys_.meetings_unfinished(), meeting_id},
                                    [](const Result<redis::Reply>&) {});
                }
                const std::uint64_t seq = first_seq(*outcome);
                finish(meeting_id, MeetingApplied{seq, std::move(record), std::move(change)});
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
