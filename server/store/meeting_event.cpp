#include "store/meeting_store.hpp"

namespace muster::store {

namespace v1 = muster::v1;

v1::MeetingState meeting_scalars(const v1::MeetingState& state) {
    v1::MeetingState out;
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

v1::Event meeting_update_event(const v1::MeetingRecord& record, const MeetingChange& change,
                               std::int64_t now_ms) {
    const auto& state = record.state();
    v1::Event event;
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
        case v1::MeetingUpdate::JOINED:
        case v1::MeetingUpdate::BACK:
        case v1::MeetingUpdate::AWAY:
        case v1::MeetingUpdate::MEDIA:
            for (const auto& p : state.participants()) {
                if (!change.user.empty() && p.user() == change.user) {
                    *update->mutable_participant() = p;
                }
            }
            break;
        case v1::MeetingUpdate::SHARED:
            if (state.shared_size() > 0)
                *update->mutable_shared() = state.shared(state.shared_size() - 1);
            break;
        case v1::MeetingUpdate::ROLL_CALL_OPENED:
        case v1::MeetingUpdate::ROLL_ANSWERED:
        case v1::MeetingUpdate::ROLL_CALL_CLOSED:
            update->set_present_count(static_cast<std::uint32_t>(state.roll_call().present_size()));
            update->set_absent_count(static_cast<std::uint32_t>(state.roll_call().absent_size()));
            break;
        default:
            break;
    }
    return event;
}

bool retries_schedule(const v1::MeetingRecord& stored, const v1::MeetingRecord& asked) {
    return stored.state().host() == asked.state().host() &&
           stored.state().group() == asked.state().group();
}

}  // namespace muster::store
