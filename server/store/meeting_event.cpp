#include "store/meeting_store.hpp"

namespace muster::store {

muster::v1::Event meeting_update_event(const muster::v1::MeetingRecord& record,
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
    *update->mutable_state() = state;
    return event;
}

}  // namespace muster::store
