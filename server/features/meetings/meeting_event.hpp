#pragma once
// What every meetings store writes or decides beside the feature's rule, the same for each
// (store/sqlite/sqlite_meeting_store.cpp, store/redis/redis_meeting_store.cpp): the
// MeetingUpdate event of a change and which create() is a retry. Header-only, like the other
// features' record headers, so that the stores, which sit below the feature's library, use
// them without linking it. Pure functions: any thread.

#include <cstdint>

#include "features/meetings/meeting_store.hpp"
#include "muster/v1/event.pb.h"
#include "muster/v1/meeting.pb.h"
#include "muster/v1/meeting_record.pb.h"

namespace muster::features::meetings {

// The state without its lists (agenda, shared, hands, participants, roll call names).
inline muster::v1::MeetingState meeting_scalars(const muster::v1::MeetingState& state) {
    muster::v1::MeetingState out;
    out.set_meeting_id(state.meeting_id());
    out.set_group(state.group());
    out.set_title(state.title());
    out.set_host(state.host());
    *out.mutable_co_hosts() = state.co_hosts();
    out.set_phase(state.phase());
    out.set_scheduled_at_ms(state.scheduled_at_ms());
    out.set_started_at_ms(state.started_at_ms());
    out.set_ended_at_ms(state.ended_at_ms());
    out.set_agenda_index(state.agenda_index());
    out.set_floor(state.floor());
    if (state.has_roll_call()) {
        auto* roll = out.mutable_roll_call();
        roll->set_opened_ms(state.roll_call().opened_ms());
        roll->set_closes_ms(state.roll_call().closes_ms());
        roll->set_open(state.roll_call().open());
    }
    return out;
}

// The MeetingUpdate event of a change (its seq is the log's): the same for every store. It
// carries what changed and the state's scalars, never its lists, so that its size is bounded
// by the configuration whatever the meeting's size (docs/PROTOCOL.md, Meetings).
inline muster::v1::Event meeting_update_event(const muster::v1::MeetingRecord& record,
                                              const MeetingChange& change, std::int64_t now_ms) {
    const auto& state = record.state();
    muster::v1::Event event;
    event.set_group(state.group());
    event.set_time_ms(now_ms);
    event.set_sender(change.sender);
    event.set_sender_name(change.sender_name);
    auto* update = event.mutable_meeting();
    update->set_meeting_id(state.meeting_id());
    update->set_phase(state.phase());
    update->set_change(change.change);
    update->set_user(change.user);
    *update->mutable_state() = meeting_scalars(state);
    update->set_participant_count(static_cast<std::uint32_t>(state.participants_size()));
    update->set_hand_count(static_cast<std::uint32_t>(state.hands_size()));
    switch (change.change) {
        case muster::v1::MeetingUpdate::JOINED:
        case muster::v1::MeetingUpdate::BACK:
        case muster::v1::MeetingUpdate::AWAY:
        case muster::v1::MeetingUpdate::MEDIA:
            for (const auto& p : state.participants()) {
                if (!change.user.empty() && p.user() == change.user) {
                    *update->mutable_participant() = p;
                }
            }
            break;
        case muster::v1::MeetingUpdate::SHARED:
            if (state.shared_size() > 0)
                *update->mutable_shared() = state.shared(state.shared_size() - 1);
            break;
        case muster::v1::MeetingUpdate::ROLL_CALL_OPENED:
        case muster::v1::MeetingUpdate::ROLL_ANSWERED:
        case muster::v1::MeetingUpdate::ROLL_CALL_CLOSED:
            update->set_present_count(static_cast<std::uint32_t>(state.roll_call().present_size()));
            update->set_absent_count(static_cast<std::uint32_t>(state.roll_call().absent_size()));
            break;
        default:
            break;
    }
    return event;
}

// Whether create() of `asked` is a retry of the meeting `stored` under the same id (same host,
// same group), answered with the stored one, rather than a CONFLICT: the same for every store.
inline bool retries_schedule(const muster::v1::MeetingRecord& stored,
                             const muster::v1::MeetingRecord& asked) {
    return stored.state().host() == asked.state().host() &&
           stored.state().group() == asked.state().group();
}

}  // namespace muster::features::meetings
