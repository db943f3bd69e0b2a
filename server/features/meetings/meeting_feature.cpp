#include "features/meetings/meeting_feature.hpp"

#include <algorithm>
#include <stdexcept>

#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "features/meetings/meeting_commands.hpp"
#include "features/meetings/meeting_push.hpp"
#include "features/meetings/meeting_routes.hpp"
#include "features/meetings/rules.hpp"
#include "node/client.hpp"

namespace muster::features::meetings {

namespace asio = boost::asio;
namespace v1 = muster::v1;

namespace {

struct Metrics {
    metrics::Counter& scheduled;
    metrics::Counter& started;
    metrics::Counter& ended;
    metrics::Counter& joins;
    metrics::Counter& drops;
    metrics::Counter& roll_calls;
    metrics::Counter& start_pushes;
};

Metrics& counters() {
    auto& r = metrics::registry();
    static Metrics m{
        r.counter("muster_meetings_scheduled_total", "Meetings scheduled"),
        r.counter("muster_meetings_started_total", "Meetings started"),
        r.counter("muster_meetings_ended_total", "Meetings ended"),
        r.counter("muster_meeting_joins_total", "Members who joined a meeting (not repeats)"),
        r.counter("muster_meeting_drops_total",
                  "Participants dropped after losing their connection past the grace period"),
        r.counter("muster_meeting_roll_calls_total", "Roll calls opened"),
        r.counter("muster_meeting_start_pushes_total",
                  "Push intents recorded to tell members with no connection that a meeting "
                  "started"),
    };
    return m;
}

// How long a timer- or close-driven change waits before it is tried again when the store was
// unavailable.
constexpr std::int64_t retry_ms = 1000;

std::int64_t grace_ms(const node::NodeServices& services) {
    return static_cast<std::int64_t>(services.config().meeting.drop_grace_s) * 1000;
}

}  // namespace

void MeetingFeature::install(node::NodeServices& services, node::CommandRegistry& commands,
                             node::HttpRouter& routes) {
    services_ = &services;
    sfu_ = std::make_unique<SfuBridge>(sfu_rooms_, services.config().meeting);
    counters();  // listed in /metrics from the start, at 0
    register_meeting_commands(commands, *this);
    register_meeting_routes(routes, *this);
    signalling_.install(services, commands);
    services.on_client_closed([this](const node::Client& client) {
        signalling_.forget(client.session_id());
        connection_closed(client.caller().user(), client.session_id());
    });
    if (chat_tags_ != nullptr) {
        chat_tags_->add_validator(
            chat::TagKind::meeting, [this](std::string group, std::string meeting_id) {
                return check_chat_tag(std::move(group), std::move(meeting_id));
            });
    }
}

MediaPolicy MeetingFeature::media_policy() const {
    const auto& config = services_->config().meeting;
    return MediaPolicy{config.max_mesh_peers, false};
}

v1::MeetingMedia MeetingFeature::media_for(const v1::MeetingRecord& record,
                                           const std::string& user) const {
    return sfu_->media_for(record, user);
}

void MeetingFeature::start() {
    auto meetings = blocking_call<std::vector<v1::MeetingRecord>>(
        [this](Done<std::vector<v1::MeetingRecord>> done) { store_.unfinished(std::move(done)); });
    if (!meetings) {
        throw std::runtime_error("cannot load unfinished meetings: " + meetings.status().message());
    }
    auto live = blocking_call<std::vector<std::string>>(
        [this](Done<std::vector<std::string>> done) { store_.live_processes(std::move(done)); });
    if (!live) {
        throw std::runtime_error("cannot read which nodes are alive: " + live.status().message());
    }
    for (const auto& meeting : *meetings) {
        arm_roll_close(meeting.state());
        // Graces that were running (a timer due already fires at once).
        for (const auto& link : meeting.links()) {
            if (link.lost_ms() > 0)
                arm_drop(meeting.state().meeting_id(), link.user(), link.drop_at_ms());
        }
    }
    // Embedded: this process alone writes the store, so everyone recorded as connected lost
    // their connection with the previous run.
    recover_gone(*meetings, *live, !store_.shared(), true);
    if (!meetings->empty()) {
        MUSTER_LOG_INFO("meetings")
            << meetings->size() << " unfinished meeting(s) recovered; participants have "
            << services_->config().meeting.drop_grace_s << " s to rejoin";
    }
    if (store_.shared()) {
        // Called on the store's thread only: previous_alive_ needs no lock.
        store_.watch_liveness([this](std::vector<std::string> alive) {
            if (stopping_) return;
            // Reading every unfinished meeting costs a round trip each: only when a process
            // went away since the last look (or on the first look, or to retry a recovery).
            std::sort(alive.begin(), alive.end());
            const bool someone_left = !std::includes(
                alive.begin(), alive.end(), previous_alive_.begin(), previous_alive_.end());
            const bool first = !looked_;
            looked_ = true;
            previous_alive_ = alive;
            if (!first && !someone_left && !retry_recovery_.exchange(false)) return;
            store_.unfinished([this, alive = std::move(alive)](
                                  Result<std::vector<v1::MeetingRecord>> open) {
                if (!open) {
                    retry_recovery_ = true;
                    MUSTER_LOG_WARN("meetings") << "liveness check: " << open.status().message();
                } else if (!stopping_) {
                    recover_gone(*open, alive, false, false);
                }
            });
        });
    }
}

void MeetingFeature::recover_gone(const std::vector<v1::MeetingRecord>& meetings,
                                  const std::vector<std::string>& live, bool orphans,
                                  bool blocking) {
    const std::int64_t grace = grace_ms(*services_);
    auto gone = [self = store_.process(), live](const std::string& connection) {
        return connection_gone(connection, self, live);
    };
    for (const auto& meeting : meetings) {
        bool any = orphans && !meeting.links().empty();
        for (const auto& link : meeting.links()) {
            for (const auto& connection : link.connections()) any = any || gone(connection);
        }
        if (!any) continue;  // nothing to recover: no change, no store round trip
        const std::string id = meeting.state().meeting_id();
        auto rule = [gone, orphans, grace](v1::MeetingRecord& record,
                                           std::int64_t now) -> Result<MeetingChange> {
            return meetings::recover_gone(record, gone, orphans, grace, now);
        };
        auto armed = [this, id](const MeetingApplied& applied) {
            for (const auto& link : applied.record.links()) {
                if (link.lost_ms() > 0) arm_drop(id, link.user(), link.drop_at_ms());
            }
        };
        if (blocking) {
            auto recovered = blocking_call<MeetingApplied>(
                [&](Done<MeetingApplied> done) { store_.apply(id, rule, std::move(done)); });
            if (!recovered) {
                throw std::runtime_error("cannot recover meeting " + id + ": " +
                                         recovered.status().message());
            }
            armed(*recovered);
            continue;
        }
        store_.apply(id, rule, [this, id, armed](Result<MeetingApplied> r) {
            if (!r) retry_recovery_ = true;  // the next liveness report looks again
            if (r) {
                if (r->change.updates()) {
                    MUSTER_LOG_INFO("meetings")
                        << "meeting " << id << ": connections of a node that is gone recovered";
                }
                armed(*r);
            }
            finished("recovery", id, std::move(r));
        });
    }
}

void MeetingFeature::stop() {
    stopping_ = true;
}

asio::awaitable<Result<MeetingApplied>> MeetingFeature::apply(std::string meeting_id,
                                                              MeetingRule rule) {
    Result<MeetingApplied> applied = co_await async_call<MeetingApplied>(
        [&](Done<MeetingApplied> done) {
            store_.apply(std::move(meeting_id), std::move(rule), std::move(done));
        },
        asio::use_awaitable);
    if (applied) after(*applied);
    co_return applied;
}

asio::awaitable<Result<MeetingApplied>> MeetingFeature::create(v1::MeetingRecord record,
                                                               MeetingChange first) {
    Result<MeetingApplied> applied = co_await async_call<MeetingApplied>(
        [&](Done<MeetingApplied> done) {
            store_.create(std::move(record), std::move(first), std::move(done));
        },
        asio::use_awaitable);
    if (applied) {
        groups_.remember(applied->record.state().meeting_id(), applied->record.state().group());
        if (!applied->duplicate) after(*applied);
    }
    co_return applied;
}

asio::awaitable<Result<v1::MeetingRecord>> MeetingFeature::get(std::string meeting_id) {
    co_return co_await async_call<v1::MeetingRecord>(
        [&](Done<v1::MeetingRecord> done) { store_.get(std::move(meeting_id), std::move(done)); },
        asio::use_awaitable);
}

asio::awaitable<Status> MeetingFeature::check_chat_tag(std::string group, std::string meeting_id) {
    std::optional<std::string> known = groups_.group_of(meeting_id);
    if (!known) {
        Result<v1::MeetingRecord> record = co_await get(meeting_id);
        if (!record) co_return record.status();
        known = record->state().group();
        groups_.remember(meeting_id, *known);
    }
    if (*known != group) {
        co_return Status{errc::invalid_argument,
                         "meeting " + meeting_id + " is not a meeting of group " + group};
    }
    co_return Status{};
}

asio::awaitable<Result<std::vector<store::MemberInfo>>> MeetingFeature::members(std::string group) {
    co_return co_await async_call<std::vector<store::MemberInfo>>(
        [&](Done<std::vector<store::MemberInfo>> done) {
            services_->store().directory().members_of(std::move(group), std::move(done));
        },
        asio::use_awaitable);
}

asio::awaitable<void> MeetingFeature::announce_start(const v1::MeetingState& state,
                                                     const node::Caller& by) {
    if (outbox_ == nullptr) co_return;
    const std::size_t recorded = co_await meetings::announce_start(
        *this, *outbox_, state, by.user(), by.name().empty() ? by.user() : by.name());
    counters().start_pushes.inc(recorded);
}

// Called on whichever thread completed the change: only thread-safe work here.
void MeetingFeature::after(const MeetingApplied& applied) {
    auto& m = counters();
    switch (applied.change.change) {
        case v1::MeetingUpdate::SCHEDULED:
            m.scheduled.inc();
            break;
        case v1::MeetingUpdate::STARTED:
            m.started.inc();
            break;
        case v1::MeetingUpdate::ENDED:
            m.ended.inc();
            break;
        case v1::MeetingUpdate::JOINED:
            m.joins.inc();
            break;
        case v1::MeetingUpdate::DROPPED:
            m.drops.inc();
            if (!applied.record.sfu_room().empty() && sfu_->enabled())
                sfu_->send_out_later(std::stoull(applied.record.sfu_room()), applied.change.user);
            break;
        case v1::MeetingUpdate::ROLL_CALL_OPENED:
            m.roll_calls.inc();
            arm_roll_close(applied.record.state());
            break;
        default:
            break;
    }
}

// ---- connection loss and timers ---------------------------------------------------------------

void MeetingFeature::connection_closed(const std::string& user, const std::string& session) {
    // The time of the loss is now, not when the store gets to it.
    const std::int64_t lost_ms = services_->clock().now_ms();
    for (const auto& meeting : sessions_.take(session))
        lose(meeting, user, connection_tag(session), lost_ms);
}

void MeetingFeature::lose(const std::string& meeting, const std::string& user,
                          const std::string& connection, std::int64_t lost_ms) {
    const std::int64_t grace = grace_ms(*services_);
    store_.apply(
        meeting,
        [user, connection, grace, lost_ms](v1::MeetingRecord& record,
                                           std::int64_t) -> Result<MeetingChange> {
            return connection_lost(record, user, connection, grace, lost_ms);
        },
        [this, meeting, user, connection, lost_ms](Result<MeetingApplied> r) {
            if (r) {
                for (const auto& link : r->record.links()) {
                    if (link.user() == user && link.lost_ms() > 0)
                        arm_drop(meeting, user, link.drop_at_ms());
                }
            } else if (r.status().code() == errc::unavailable) {
                // Not recorded: without a retry the user would stay "present" for good.
                retry_later([this, meeting, user, connection, lost_ms] {
                    lose(meeting, user, connection, lost_ms);
                });
            }
            finished("connection loss", meeting, std::move(r));
        });
}

void MeetingFeature::retry_later(std::function<void()> fn) {
    if (stopping_) return;
    services_->timers().at(services_->clock().now_ms() + retry_ms, [this, fn = std::move(fn)] {
        if (!stopping_) fn();
    });
}

void MeetingFeature::arm_drop(const std::string& meeting, const std::string& user,
                              std::int64_t at_ms) {
    // Never cancelled: the drop rule checks that the grace has really run out, so a timer made
    // stale by a rejoin does nothing.
    services_->timers().at(at_ms, [this, meeting, user] { drop_due(meeting, user); });
}

void MeetingFeature::arm_roll_close(const v1::MeetingState& state) {
    if (!state.roll_call().open()) return;
    services_->timers().at(state.roll_call().closes_ms(),
                           [this, meeting = state.meeting_id(), group = state.group()] {
                               close_roll_due(meeting, group);
                           });
}

void MeetingFeature::drop_due(const std::string& meeting, const std::string& user) {
    if (stopping_) return;
    store_.apply(
        meeting,
        [user](v1::MeetingRecord& record, std::int64_t now) -> Result<MeetingChange> {
            return drop_if_due(record, user, now);
        },
        [this, meeting, user](Result<MeetingApplied> r) {
            if (!r && r.status().code() == errc::unavailable)
                retry_later([this, meeting, user] { drop_due(meeting, user); });
            finished("drop", meeting, std::move(r));
        });
}

void MeetingFeature::close_roll_due(const std::string& meeting, const std::string& group) {
    if (stopping_) return;
    services_->store().directory().members_of(
        group, [this, meeting, group](Result<std::vector<store::MemberInfo>> members) {
            if (!members) {
                // Closing needs the member list (the absent ones): try again soon.
                MUSTER_LOG_WARN("meetings")
                    << "roll call of " << meeting
                    << ": cannot read members: " << members.status().message();
                retry_later([this, meeting, group] { close_roll_due(meeting, group); });
                return;
            }
            std::vector<std::string> ids;
            for (const auto& m : *members) ids.push_back(m.user);
            store_.apply(
                meeting,
                [ids = std::move(ids)](v1::MeetingRecord& record, std::int64_t now)
                    -> Result<MeetingChange> { return close_roll_call_if_due(record, ids, now); },
                [this, meeting, group](Result<MeetingApplied> r) {
                    if (!r && r.status().code() == errc::unavailable)
                        retry_later([this, meeting, group] { close_roll_due(meeting, group); });
                    finished("roll call close", meeting, std::move(r));
                });
        });
}

void MeetingFeature::finished(const char* what, const std::string& meeting,
                              Result<MeetingApplied> r) {
    if (r) {
        after(*r);
        return;
    }
    MUSTER_LOG_WARN("meetings") << what << " in meeting " << meeting
                                << " failed: " << r.status().message();
}

}  // namespace muster::features::meetings
