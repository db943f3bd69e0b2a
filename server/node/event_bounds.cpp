#include "node/event_bounds.hpp"

#include <algorithm>

#include "muster/v1/event.pb.h"
#include "protocol/codec.hpp"
#include "protocol/event_limits.hpp"

namespace muster::node {

namespace v1 = muster::v1;

namespace {

constexpr std::uint64_t max_u64 = ~std::uint64_t{0};
constexpr std::int64_t max_i64 = ~std::uint64_t{0} >> 1U;

// Free text at its worst for JSON: every byte a control character, escaped as \u00XX.
std::string text(std::size_t bytes) {
    return std::string(bytes, '\x01');
}
std::string id(std::size_t bytes) {
    return std::string(bytes, 'a');
}

// The head every logged event carries, at its largest.
v1::Event head(const Config& c) {
    v1::Event event;
    event.set_group(id(c.limits.max_id_bytes));
    event.set_seq(max_u64);
    event.set_time_ms(max_i64);
    event.set_sender(id(c.limits.max_id_bytes));
    event.set_sender_name(text(c.limits.max_name_bytes));
    return event;
}

EventBound measure(std::string type, const v1::Event& event) {
    const std::string bytes = event.SerializeAsString();
    return {std::move(type),
            protocol::encode_event_frame(bytes, protocol::Encoding::binary)->size(),
            protocol::encode_event_frame(bytes, protocol::Encoding::json)->size()};
}

void fill_participant(const Config& c, v1::Participant& p) {
    p.set_user(id(c.limits.max_id_bytes));
    p.set_name(text(c.limits.max_name_bytes));
    p.set_joined_ms(max_i64);
    p.set_away_since_ms(max_i64);
}

}  // namespace

std::vector<EventBound> largest_events(const Config& c) {
    const std::uint32_t id_bytes = c.limits.max_id_bytes;
    std::vector<EventBound> out;

    v1::Event chat = head(c);
    chat.mutable_chat()->set_text(text(c.limits.max_text_bytes));
    chat.mutable_chat()->set_client_msg_id(id(id_bytes));
    chat.mutable_chat()->set_meeting_id(id(id_bytes));
    for (std::uint32_t i = 0; i < c.limits.max_mentions; ++i)
        chat.mutable_chat()->add_mentions(id(id_bytes));
    out.push_back(measure("chat", chat));

    v1::Event call = head(c);
    auto* d = call.mutable_duty_call();
    d->set_call_id(id(id_bytes));
    d->set_group(id(id_bytes));
    d->set_title(text(c.duty.max_title_bytes));
    d->set_location(text(c.duty.max_title_bytes));
    d->set_description(text(c.limits.max_text_bytes));
    d->set_created_by(id(id_bytes));
    d->set_starts_at_ms(max_i64);
    d->set_ends_at_ms(max_i64);
    d->set_deadline_ms(max_i64);
    d->set_created_at_ms(max_i64);
    d->set_slots(c.duty.max_slots);
    d->set_urgency(v1::DutyCall::URGENT);
    d->set_state(v1::DutyCall::EXPIRED);
    d->set_include_subgroups(true);
    d->set_waitlist(true);
    for (std::uint32_t i = 0; i < c.duty.max_target_groups; ++i) d->add_target_groups(id(id_bytes));
    out.push_back(measure("duty_call", call));

    v1::Event update = head(c);
    auto* u = update.mutable_duty_update();
    u->set_call_id(id(id_bytes));
    u->set_user(id(id_bytes));
    u->set_reason(text(c.limits.max_text_bytes));
    u->set_accepted(~0U);
    u->set_declined(~0U);
    u->set_pending(~0U);
    u->set_slots(~0U);
    u->set_waitlisted(~0U);
    u->set_state(v1::DutyCall::CANCELLED);
    u->set_answer(v1::DutyRespond::DECLINE);
    const int accepted =
        std::min<int>(protocol::event_max_users, static_cast<int>(c.duty.max_slots));
    for (int i = 0; i < accepted; ++i) u->add_accepted_users(id(id_bytes));
    for (int i = 0; i < protocol::event_max_users; ++i) u->add_waitlisted_users(id(id_bytes));
    out.push_back(measure("duty_update", update));

    v1::Event reminder = head(c);
    auto* r = reminder.mutable_duty_reminder();
    r->set_call_id(id(id_bytes));
    r->set_title(text(c.duty.max_title_bytes));
    r->set_round(~0U);
    r->set_silent(~0U);
    for (int i = 0; i < protocol::event_max_users; ++i) r->add_users(id(id_bytes));
    out.push_back(measure("duty_reminder", reminder));

    // A MeetingUpdate carries the state's scalars and one changed item; every change at once
    // bounds each of them.
    v1::Event meeting = head(c);
    auto* m = meeting.mutable_meeting();
    m->set_meeting_id(id(id_bytes));
    m->set_user(id(id_bytes));
    m->set_phase(v1::MeetingState::ENDED);
    m->set_change(v1::MeetingUpdate::ROLL_CALL_CLOSED);
    auto* s = m->mutable_state();
    s->set_meeting_id(id(id_bytes));
    s->set_group(id(id_bytes));
    s->set_title(text(c.limits.max_text_bytes));
    s->set_host(id(id_bytes));
    for (std::uint32_t i = 0; i < c.meeting.max_co_hosts; ++i) s->add_co_hosts(id(id_bytes));
    s->set_phase(v1::MeetingState::ENDED);
    s->set_scheduled_at_ms(max_i64);
    s->set_started_at_ms(max_i64);
    s->set_ended_at_ms(max_i64);
    s->set_agenda_index(static_cast<std::int32_t>(c.meeting.max_agenda_items));
    s->set_floor(id(id_bytes));
    s->mutable_roll_call()->set_opened_ms(max_i64);
    s->mutable_roll_call()->set_closes_ms(max_i64);
    s->mutable_roll_call()->set_open(true);
    fill_participant(c, *m->mutable_participant());
    auto* shared = m->mutable_shared();
    shared->set_title(text(c.limits.max_text_bytes));
    shared->set_url(text(c.limits.max_text_bytes));
    shared->set_by(id(id_bytes));
    shared->set_time_ms(max_i64);
    m->set_participant_count(~0U);
    m->set_hand_count(~0U);
    m->set_present_count(~0U);
    m->set_absent_count(~0U);
    out.push_back(measure("meeting", meeting));

    v1::Event presence;
    presence.set_group(id(id_bytes));
    presence.set_time_ms(max_i64);
    presence.mutable_presence()->set_user_id(id(id_bytes));
    presence.mutable_presence()->set_name(text(c.limits.max_name_bytes));
    presence.mutable_presence()->set_online(true);
    out.push_back(measure("presence", presence));
    return out;
}

Status check_event_bounds(const Config& config) {
    const std::size_t room = config.limits.outbound_queue_bytes / 4;
    for (const auto& bound : largest_events(config)) {
        const std::size_t largest = std::max(bound.proto_bytes, bound.json_bytes);
        if (largest > room) {
            return {errc::invalid_argument,
                    "the largest possible " + bound.type + " event is " + std::to_string(largest) +
                        " bytes (JSON " + std::to_string(bound.json_bytes) + ", protobuf " +
                        std::to_string(bound.proto_bytes) +
                        ") with these limits, over a quarter of limits.outbound_queue_bytes (" +
                        std::to_string(config.limits.outbound_queue_bytes) +
                        "): raise limits.outbound_queue_bytes to at least " +
                        std::to_string(largest * 4) +
                        ", or lower the text, title, id and name limits (limits.max_text_bytes, "
                        "duty.max_title_bytes, limits.max_id_bytes, limits.max_name_bytes, "
                        "duty.max_target_groups, meeting.max_co_hosts)"};
        }
    }
    return {};
}

}  // namespace muster::node
