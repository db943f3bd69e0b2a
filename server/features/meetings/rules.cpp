#include "features/meetings/rules.hpp"

#include <algorithm>
#include <set>
#include <string_view>

namespace muster::features::meetings {

namespace v1 = muster::v1;
using Change = v1::MeetingUpdate::Change;
using State = v1::MeetingState;
using Strings = google::protobuf::RepeatedPtrField<std::string>;

namespace {

// A user has this many connections in a meeting at most; the oldest is forgotten beyond (a
// client that reconnects in a loop must not grow the record).
constexpr int max_connections_per_user = 32;

int index_of(const Strings& list, const std::string& user) {
    for (int i = 0; i < list.size(); ++i) {
        if (list.Get(i) == user) return i;
    }
    return -1;
}

bool remove_from(Strings& list, const std::string& user) {
    const int i = index_of(list, user);
    if (i < 0) return false;
    list.DeleteSubrange(i, 1);
    return true;
}

int participant_index(const State& state, const std::string& user) {
    for (int i = 0; i < state.participants_size(); ++i) {
        if (state.participants(i).user() == user) return i;
    }
    return -1;
}

v1::MeetingLink* find_link(MeetingRecord& record, const std::string& user) {
    for (auto& link : *record.mutable_links()) {
        if (link.user() == user) return &link;
    }
    return nullptr;
}

void erase_link(MeetingRecord& record, const std::string& user) {
    auto& links = *record.mutable_links();
    for (int i = 0; i < links.size(); ++i) {
        if (links.Get(i).user() == user) {
            links.DeleteSubrange(i, 1);
            return;
        }
    }
}

// When a participant's presence ended: when their last connection went, if it has.
std::int64_t presence_end(MeetingRecord& record, const std::string& user, std::int64_t now_ms) {
    const v1::MeetingLink* link = find_link(record, user);
    return link != nullptr && link->lost_ms() > 0 ? link->lost_ms() : now_ms;
}

// Media time (the report's audio_s / video_s): a stretch opens when the microphone or camera
// goes on in the LIVE meeting (or when the meeting starts with it on) and closes when it goes
// off, when the participant leaves or is dropped (at the end of their presence), or at the end.
void track_media(MeetingRecord& record, const std::string& user, bool audio, bool video,
                 std::int64_t now_ms) {
    v1::MediaTime* time = nullptr;
    for (auto& t : *record.mutable_media_time()) {
        if (t.user() == user) time = &t;
    }
    if (time == nullptr) {
        if (!audio && !video) return;
        time = record.add_media_time();
        time->set_user(user);
    }
    if (audio && time->audio_since_ms() == 0) time->set_audio_since_ms(now_ms);
    if (!audio && time->audio_since_ms() != 0) {
        time->set_audio_ms(time->audio_ms() +
                           std::max<std::int64_t>(0, now_ms - time->audio_since_ms()));
        time->set_audio_since_ms(0);
    }
    if (video && time->video_since_ms() == 0) time->set_video_since_ms(now_ms);
    if (!video && time->video_since_ms() != 0) {
        time->set_video_ms(time->video_ms() +
                           std::max<std::int64_t>(0, now_ms - time->video_since_ms()));
        time->set_video_since_ms(0);
    }
}

// Takes a participant out: their interval closes at `left_ms` (only live time counts), their
// hand and the floor go with them.
void remove_participant(MeetingRecord& record, int index, std::int64_t left_ms,
                        MeetingChange& change) {
    auto& state = *record.mutable_state();
    const v1::Participant& p = state.participants(index);
    const std::string user = p.user();
    if (state.phase() == State::LIVE) {
        change.closed.push_back(
            AttendanceInterval{user, p.name(), p.joined_ms(), std::max(left_ms, p.joined_ms())});
        track_media(record, user, false, false, left_ms);
    }
    state.mutable_participants()->DeleteSubrange(index, 1);
    erase_link(record, user);
    remove_from(*state.mutable_hands(), user);
    if (state.floor() == user) state.clear_floor();
}

MeetingChange by(const Actor& actor, Change what, std::string user) {
    MeetingChange change;
    change.change = what;
    change.user = std::move(user);
    change.sender = actor.user;
    change.sender_name = actor.name;
    return change;
}

MeetingChange by_server(Change what, std::string user) {
    MeetingChange change;
    change.change = what;
    change.user = std::move(user);
    return change;
}

Status require_member(const MeetingRecord& record, const Actor& actor) {
    if (actor.role >= store::Role::member) return {};
    return {errc::forbidden, "not a member of group " + record.state().group()};
}

// Membership first, then host powers: a stranger learns nothing about the meeting.
Status require_host(const MeetingRecord& record, const Actor& actor) {
    if (Status s = require_member(record, actor); !s) return s;
    if (is_host(record.state(), actor.user)) return {};
    return {errc::forbidden, "only the host of meeting " + record.state().meeting_id() +
                                 " (or a co-host) may do that"};
}

Status require_not_ended(const State& state) {
    if (state.phase() != State::ENDED) return {};
    return {errc::conflict, "meeting " + state.meeting_id() + " has ended"};
}

Status require_live(const State& state) {
    if (Status s = require_not_ended(state); !s) return s;
    if (state.phase() == State::LIVE) return {};
    return {errc::conflict, "meeting " + state.meeting_id() + " has not started"};
}

Status require_participant(const State& state, const std::string& user) {
    if (participant_index(state, user) >= 0) return {};
    return {errc::conflict, user + " has not joined meeting " + state.meeting_id()};
}

void close_roll(State& state, const std::vector<std::string>& members) {
    auto* roll = state.mutable_roll_call();
    roll->set_open(false);
    std::set<std::string> absent(members.begin(), members.end());
    for (const auto& p : state.participants()) absent.insert(p.user());
    for (const auto& user : roll->present()) absent.erase(user);
    roll->clear_absent();
    for (const auto& user : absent) roll->add_absent(user);
}

}  // namespace

bool is_host(const State& state, const std::string& user) {
    return !user.empty() && (state.host() == user || index_of(state.co_hosts(), user) >= 0);
}

Status may_read(const MeetingRecord& record, const Actor& actor) {
    return require_member(record, actor);
}

MeetingRecord new_meeting(const Actor& host, const std::string& meeting_id,
                          const v1::MeetingSchedule& command, std::int64_t now_ms) {
    MeetingRecord record;
    auto& state = *record.mutable_state();
    state.set_meeting_id(meeting_id);
    state.set_group(command.group());
    state.set_title(command.title());
    state.set_host(host.user);
    for (const auto& user : command.co_hosts()) {
        if (user != host.user && index_of(state.co_hosts(), user) < 0) state.add_co_hosts(user);
    }
    state.set_phase(State::SCHEDULED);
    state.set_scheduled_at_ms(command.scheduled_at_ms() != 0 ? command.scheduled_at_ms() : now_ms);
    *state.mutable_agenda() = command.agenda();
    state.set_agenda_index(-1);
    return record;
}

MeetingChange scheduled(const Actor& host) {
    return by(host, v1::MeetingUpdate::SCHEDULED, host.user);
}

Result<MeetingChange> start(MeetingRecord& record, const Actor& actor, std::int64_t now_ms,
                            const std::string& sfu_room) {
    if (Status s = require_host(record, actor); !s) return s;
    auto& state = *record.mutable_state();
    if (Status s = require_not_ended(state); !s) return s;
    if (state.phase() == State::LIVE) {
        return Status{errc::conflict, "meeting " + state.meeting_id() + " has already started"};
    }
    state.set_phase(State::LIVE);
    state.set_started_at_ms(now_ms);
    record.set_sfu_room(sfu_room);
    // Those who joined early start attending now.
    for (auto& p : *state.mutable_participants()) {
        p.set_joined_ms(now_ms);
        track_media(record, p.user(), p.audio(), p.video(), now_ms);
    }
    return by(actor, v1::MeetingUpdate::STARTED, actor.user);
}

Result<MeetingChange> end(MeetingRecord& record, const Actor& actor,
                          const std::vector<std::string>& members, std::int64_t now_ms) {
    if (Status s = require_host(record, actor); !s) return s;
    auto& state = *record.mutable_state();
    if (Status s = require_not_ended(state); !s) return s;
    MeetingChange change = by(actor, v1::MeetingUpdate::ENDED, actor.user);
    if (state.roll_call().open()) close_roll(state, members);
    while (state.participants_size() > 0) {
        const int last = state.participants_size() - 1;
        const std::int64_t left = presence_end(record, state.participants(last).user(), now_ms);
        remove_participant(record, last, left, change);
    }
    // Intervals were closed in reverse order of joining; keep the report's order natural.
    std::reverse(change.closed.begin(), change.closed.end());
    state.set_phase(State::ENDED);
    state.set_ended_at_ms(now_ms);
    state.clear_hands();
    state.clear_floor();
    record.clear_links();
    return change;
}

Result<MeetingChange> join(MeetingRecord& record, const Actor& actor, const std::string& connection,
                           std::int64_t now_ms) {
    if (Status s = require_member(record, actor); !s) return s;
    auto& state = *record.mutable_state();
    if (Status s = require_not_ended(state); !s) return s;

    MeetingChange change = by(actor, v1::MeetingUpdate::CHANGE_UNSPECIFIED, actor.user);
    int index = participant_index(state, actor.user);
    if (index >= 0) {
        v1::MeetingLink* link = find_link(record, actor.user);
        if (link != nullptr && link->lost_ms() > 0) {
            if (link->drop_at_ms() <= now_ms) {
                // Back after the grace (its timer has not run yet): the old interval ended when
                // the connection was lost; a new one starts now.
                remove_participant(record, index, link->lost_ms(), change);
                index = -1;
            } else {
                link->set_lost_ms(0);
                link->set_drop_at_ms(0);
                state.mutable_participants(index)->set_away_since_ms(0);
                change.change = v1::MeetingUpdate::BACK;
            }
        }
    }
    if (index < 0) {
        auto* p = state.add_participants();
        p->set_user(actor.user);
        p->set_name(actor.name);
        p->set_joined_ms(now_ms);
        change.change = v1::MeetingUpdate::JOINED;
    }
    v1::MeetingLink* link = find_link(record, actor.user);
    if (link == nullptr) {
        link = record.add_links();
        link->set_user(actor.user);
    }
    if (!connection.empty() && index_of(link->connections(), connection) < 0) {
        if (link->connections_size() >= max_connections_per_user) {
            link->mutable_connections()->DeleteSubrange(0, 1);
        }
        link->add_connections(connection);
        change.record_changed = true;
    }
    return change;
}

Result<MeetingChange> leave(MeetingRecord& record, const Actor& actor, std::int64_t now_ms) {
    if (Status s = require_member(record, actor); !s) return s;
    auto& state = *record.mutable_state();
    if (Status s = require_not_ended(state); !s) return s;
    MeetingChange change = by(actor, v1::MeetingUpdate::CHANGE_UNSPECIFIED, actor.user);
    const int index = participant_index(state, actor.user);
    if (index < 0) return change;  // not there: nothing to do
    remove_participant(record, index, presence_end(record, actor.user, now_ms), change);
    change.change = v1::MeetingUpdate::LEFT;
    return change;
}

MeetingChange connection_lost(MeetingRecord& record, const std::string& user,
                              const std::string& connection, std::int64_t grace_ms,
                              std::int64_t lost_ms) {
    MeetingChange change = by_server(v1::MeetingUpdate::CHANGE_UNSPECIFIED, user);
    auto& state = *record.mutable_state();
    if (state.phase() == State::ENDED) return change;
    v1::MeetingLink* link = find_link(record, user);
    if (link == nullptr) return change;
    change.record_changed = remove_from(*link->mutable_connections(), connection);
    if (!link->connections().empty() || link->lost_ms() > 0) return change;
    const int index = participant_index(state, user);
    if (index < 0) return change;
    if (grace_ms <= 0) {
        remove_participant(record, index, lost_ms, change);
        change.change = v1::MeetingUpdate::DROPPED;
        return change;
    }
    link->set_lost_ms(lost_ms);
    link->set_drop_at_ms(lost_ms + grace_ms);
    state.mutable_participants(index)->set_away_since_ms(lost_ms);
    change.change = v1::MeetingUpdate::AWAY;
    return change;
}

MeetingChange drop_if_due(MeetingRecord& record, const std::string& user, std::int64_t now_ms) {
    MeetingChange change = by_server(v1::MeetingUpdate::CHANGE_UNSPECIFIED, user);
    auto& state = *record.mutable_state();
    if (state.phase() == State::ENDED) return change;
    const v1::MeetingLink* link = find_link(record, user);
    if (link == nullptr || link->lost_ms() == 0 || link->drop_at_ms() > now_ms) return change;
    const int index = participant_index(state, user);
    if (index < 0) return change;
    remove_participant(record, index, link->lost_ms(), change);
    change.change = v1::MeetingUpdate::DROPPED;
    return change;
}

MeetingChange recover(MeetingRecord& record, std::int64_t grace_ms, std::int64_t now_ms) {
    return recover_gone(
        record, [](const std::string&) { return true; }, true, grace_ms, now_ms);
}

bool connection_gone(const std::string& connection, const std::string& self,
                     const std::vector<std::string>& live) {
    const auto slash = connection.find('/');
    if (slash == std::string::npos) return true;
    const std::string_view process(connection.data(), slash);
    if (process == self) return false;
    if (std::find(live.begin(), live.end(), process) == live.end()) return true;
    // "<node id>-<run>": the same node id started again, so the older run is dead, whatever
    // its heartbeat still says.
    const auto node_of = [](std::string_view id) { return id.substr(0, id.rfind('-')); };
    return node_of(process) == node_of(self);
}

MeetingChange recover_gone(MeetingRecord& record,
                           const std::function<bool(const std::string&)>& gone, bool orphans,
                           std::int64_t grace_ms, std::int64_t now_ms) {
    MeetingChange change = by_server(v1::MeetingUpdate::CHANGE_UNSPECIFIED, {});
    auto& state = *record.mutable_state();
    if (state.phase() == State::ENDED) return change;
    for (const auto& p : state.participants()) {
        if (find_link(record, p.user()) == nullptr) {
            record.add_links()->set_user(p.user());  // a record that lost it: repair
            change.record_changed = true;
        }
    }
    for (auto& link : *record.mutable_links()) {
        auto& connections = *link.mutable_connections();
        const int before = connections.size();
        for (int i = connections.size() - 1; i >= 0; --i) {
            if (gone(connections.Get(i))) connections.DeleteSubrange(i, 1);
        }
        const bool lost_some = connections.size() < before;
        if (lost_some) change.record_changed = true;
        if (!connections.empty() || !(lost_some || orphans)) continue;
        const int index = participant_index(state, link.user());
        if (link.lost_ms() == 0 && index >= 0) {
            link.set_lost_ms(now_ms);
            link.set_drop_at_ms(now_ms + grace_ms);
            state.mutable_participants(index)->set_away_since_ms(now_ms);
            change.change = v1::MeetingUpdate::AWAY;  // everyone's (user empty)
        }
    }
    return change;
}

Result<MeetingChange> open_roll_call(MeetingRecord& record, const Actor& actor,
                                     std::int64_t window_ms, std::int64_t now_ms) {
    if (Status s = require_host(record, actor); !s) return s;
    auto& state = *record.mutable_state();
    if (Status s = require_live(state); !s) return s;
    if (state.roll_call().open()) {
        return Status{errc::conflict,
                      "a roll call is already open in meeting " + state.meeting_id()};
    }
    auto* roll = state.mutable_roll_call();
    roll->Clear();
    roll->set_opened_ms(now_ms);
    roll->set_closes_ms(now_ms + window_ms);
    roll->set_open(true);
    return by(actor, v1::MeetingUpdate::ROLL_CALL_OPENED, actor.user);
}

Result<MeetingChange> answer_roll(MeetingRecord& record, const Actor& actor, std::int64_t now_ms) {
    if (Status s = require_member(record, actor); !s) return s;
    auto& state = *record.mutable_state();
    if (Status s = require_live(state); !s) return s;
    const auto& roll = state.roll_call();
    if (!roll.open() || roll.closes_ms() <= now_ms) {
        return Status{errc::conflict, "no roll call is open in meeting " + state.meeting_id()};
    }
    if (Status s = require_participant(state, actor.user); !s) return s;
    MeetingChange change = by(actor, v1::MeetingUpdate::CHANGE_UNSPECIFIED, actor.user);
    if (index_of(roll.present(), actor.user) >= 0) return change;
    state.mutable_roll_call()->add_present(actor.user);
    if (index_of(record.roll_answered(), actor.user) < 0) record.add_roll_answered(actor.user);
    change.change = v1::MeetingUpdate::ROLL_ANSWERED;
    return change;
}

MeetingChange close_roll_call_if_due(MeetingRecord& record, const std::vector<std::string>& members,
                                     std::int64_t now_ms) {
    auto& state = *record.mutable_state();
    if (state.phase() != State::LIVE || !state.roll_call().open() ||
        state.roll_call().closes_ms() > now_ms) {
        return by_server(v1::MeetingUpdate::CHANGE_UNSPECIFIED, {});
    }
    close_roll(state, members);
    return by_server(v1::MeetingUpdate::ROLL_CALL_CLOSED, {});
}

Result<MeetingChange> raise_hand(MeetingRecord& record, const Actor& actor, std::int64_t) {
    if (Status s = require_member(record, actor); !s) return s;
    auto& state = *record.mutable_state();
    if (Status s = require_live(state); !s) return s;
    if (Status s = require_participant(state, actor.user); !s) return s;
    MeetingChange change = by(actor, v1::MeetingUpdate::CHANGE_UNSPECIFIED, actor.user);
    if (index_of(state.hands(), actor.user) >= 0) return change;  // already in the queue
    state.add_hands(actor.user);
    change.change = v1::MeetingUpdate::HAND_RAISED;
    return change;
}

Result<MeetingChange> lower_hand(MeetingRecord& record, const Actor& actor, const std::string& user,
                                 std::int64_t) {
    const std::string& target = user.empty() ? actor.user : user;
    if (target != actor.user) {
        if (Status s = require_host(record, actor); !s) return s;
    } else if (Status s = require_member(record, actor); !s) {
        return s;
    }
    auto& state = *record.mutable_state();
    if (Status s = require_live(state); !s) return s;
    MeetingChange change = by(actor, v1::MeetingUpdate::CHANGE_UNSPECIFIED, target);
    if (remove_from(*state.mutable_hands(), target))
        change.change = v1::MeetingUpdate::HAND_LOWERED;
    return change;
}

Result<MeetingChange> grant_floor(MeetingRecord& record, const Actor& actor,
                                  const std::string& user, std::int64_t) {
    if (Status s = require_host(record, actor); !s) return s;
    auto& state = *record.mutable_state();
    if (Status s = require_live(state); !s) return s;
    MeetingChange change = by(actor, v1::MeetingUpdate::CHANGE_UNSPECIFIED, user);
    if (user.empty()) {
        if (state.floor().empty()) return change;
        state.clear_floor();
        change.change = v1::MeetingUpdate::FLOOR_GRANTED;
        return change;
    }
    if (Status s = require_participant(state, user); !s) return s;
    const bool hand_removed = remove_from(*state.mutable_hands(), user);
    if (state.floor() == user && !hand_removed) return change;
    state.set_floor(user);
    change.change = v1::MeetingUpdate::FLOOR_GRANTED;
    return change;
}

Result<MeetingChange> share(MeetingRecord& record, const Actor& actor, const std::string& title,
                            const std::string& url, std::uint32_t max_items, std::int64_t now_ms) {
    if (Status s = require_host(record, actor); !s) return s;
    auto& state = *record.mutable_state();
    if (Status s = require_not_ended(state); !s) return s;
    if (static_cast<std::uint32_t>(state.shared_size()) >= max_items) {
        return Status{errc::too_large, "meeting " + state.meeting_id() + " already has " +
                                           std::to_string(max_items) + " shared items"};
    }
    auto* item = state.add_shared();
    item->set_title(title.empty() ? url : title);
    item->set_url(url);
    item->set_by(actor.user);
    item->set_time_ms(now_ms);
    return by(actor, v1::MeetingUpdate::SHARED, actor.user);
}

Result<MeetingChange> set_agenda_item(MeetingRecord& record, const Actor& actor, std::int32_t index,
                                      std::int64_t) {
    if (Status s = require_host(record, actor); !s) return s;
    auto& state = *record.mutable_state();
    if (Status s = require_live(state); !s) return s;
    if (index < 0 || index >= state.agenda_size()) {
        return Status{errc::invalid_argument,
                      "agenda index " + std::to_string(index) + " is out of range: meeting " +
                          state.meeting_id() + " has " + std::to_string(state.agenda_size()) +
                          " agenda items"};
    }
    MeetingChange change = by(actor, v1::MeetingUpdate::CHANGE_UNSPECIFIED, actor.user);
    if (state.agenda_index() == index) return change;
    state.set_agenda_index(index);
    change.change = v1::MeetingUpdate::AGENDA_ITEM;
    return change;
}

// ---- voice and video ------------------------------------------------------------------------

bool may_send_video(const State& state, const std::string& user, const MediaPolicy& policy) {
    if (policy.sfu ||
        static_cast<std::uint32_t>(state.participants_size()) <= policy.max_mesh_peers)
        return true;
    return is_host(state, user) || (!user.empty() && state.floor() == user);
}

Status may_signal(const MeetingRecord& record, const Actor& actor, const std::string& to_user) {
    if (Status s = require_member(record, actor); !s) return s;
    const State& state = record.state();
    if (state.phase() != State::LIVE) {
        return {errc::forbidden, "meeting " + state.meeting_id() + " is not live"};
    }
    if (participant_index(state, actor.user) < 0) {
        return {errc::forbidden, "join meeting " + state.meeting_id() + " before signalling"};
    }
    if (to_user == actor.user) {
        return {errc::invalid_argument, "to_user must be another participant"};
    }
    if (participant_index(state, to_user) < 0) {
        return {errc::not_found, to_user + " is not in meeting " + state.meeting_id()};
    }
    return {};
}

Result<MeetingChange> set_media(MeetingRecord& record, const Actor& actor, const std::string& user,
                                bool audio, bool video, const MediaPolicy& policy,
                                std::int64_t now_ms) {
    const std::string& target = user.empty() ? actor.user : user;
    const bool own = target == actor.user;
    if (!own) {
        if (Status s = require_host(record, actor); !s) return s;
    } else if (Status s = require_member(record, actor); !s) {
        return s;
    }
    auto& state = *record.mutable_state();
    if (Status s = require_not_ended(state); !s) return s;
    if (Status s = require_participant(state, target); !s) return s;
    auto& p = *state.mutable_participants(participant_index(state, target));
    if (!own && ((audio && !p.audio()) || (video && !p.video()))) {
        return Status{errc::forbidden,
                      "a host may turn another participant's microphone or "
                      "camera off, not on"};
    }
    MediaPolicy meeting_policy = policy;
    meeting_policy.sfu = policy.sfu || !record.sfu_room().empty();
    if (video && !p.video() && !may_send_video(state, target, meeting_policy)) {
        return Status{errc::forbidden,
                      "more than " + std::to_string(policy.max_mesh_peers) +
                          " participants: only the host and the speaker send video"};
    }
    MeetingChange change = by(actor, v1::MeetingUpdate::CHANGE_UNSPECIFIED, target);
    if (p.audio() == audio && p.video() == video) return change;
    p.set_audio(audio);
    p.set_video(video);
    if (state.phase() == State::LIVE) track_media(record, target, audio, video, now_ms);
    change.change = v1::MeetingUpdate::MEDIA;
    return change;
}

}  // namespace muster::features::meetings
