#include "cli/format.hpp"

#include <ctime>

#include "muster/codec.hpp"

namespace muster::cli {

namespace {

std::string join(const google::protobuf::RepeatedPtrField<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += ", ";
        out += item;
    }
    return out;
}

std::string who(const v1::Event& event) {
    if (!event.sender_name().empty()) return event.sender_name();
    if (!event.sender().empty()) return event.sender();
    return "server";
}

std::string describe_duty_call(const v1::DutyCall& call) {
    std::string text = "duty call \"" + call.title() + "\"";
    if (!call.location().empty()) text += " at " + call.location();
    text += ", " + std::to_string(call.slots()) + " slot(s)";
    if (call.urgency() == v1::DutyCall::URGENT) text += ", URGENT";
    if (call.starts_at_ms() != 0) text += ", starts " + format_clock(call.starts_at_ms());
    return text + " [" + call.call_id() + "]";
}

std::string describe_duty_update(const v1::DutyUpdate& update) {
    std::string text = "duty call [" + update.call_id() + "] " +
                       v1::DutyCall::State_Name(update.state()) + ": " +
                       std::to_string(update.accepted()) + "/" + std::to_string(update.slots()) +
                       " accepted, " + std::to_string(update.declined()) + " declined";
    if (!update.user().empty()) {
        text += " (" + update.user() + " " + v1::DutyRespond::Answer_Name(update.answer()) + ")";
    }
    if (!update.reason().empty()) text += " - " + update.reason();
    return text;
}

std::string describe_meeting(const v1::MeetingUpdate& update) {
    std::string text =
        "meeting [" + update.meeting_id() + "] " + v1::MeetingUpdate::Change_Name(update.change());
    if (!update.user().empty()) text += " " + update.user();
    // Updates carry the change; the whole state is meeting_get's.
    if (update.has_shared())
        text += " " + update.shared().title() + " <" + update.shared().url() + ">";
    if (update.has_state() && !update.state().title().empty()) {
        text += " (\"" + update.state().title() + "\", " +
                v1::MeetingState::Phase_Name(update.phase()) + ")";
    }
    return text;
}

}  // namespace

std::string format_clock(std::int64_t time_ms) {
    const std::time_t seconds = static_cast<std::time_t>(time_ms / 1000);
    std::tm local{};
    localtime_r(&seconds, &local);
    char text[16];
    std::strftime(text, sizeof text, "%H:%M:%S", &local);
    return text;
}

std::string format_event(const v1::Event& event) {
    if (event.has_presence()) {
        const auto& presence = event.presence();
        const auto& name = presence.name().empty() ? presence.user_id() : presence.name();
        return "[" + event.group() + "] * " + name + (presence.online() ? " joined" : " left");
    }
    const std::string head = "[" + event.group() + " #" + std::to_string(event.seq()) + " " +
                             format_clock(event.time_ms()) + "] ";
    switch (event.payload_case()) {
        case v1::Event::kChat:
            return head + who(event) + ": " + event.chat().text();
        case v1::Event::kDutyCall:
            return head + who(event) + " posted " + describe_duty_call(event.duty_call());
        case v1::Event::kDutyUpdate:
            return head + describe_duty_update(event.duty_update());
        case v1::Event::kDutyReminder: {
            const auto& reminder = event.duty_reminder();
            return head + "reminder #" + std::to_string(reminder.round()) + " for duty call [" +
                   reminder.call_id() + "] \"" + reminder.title() +
                   "\": " + join(reminder.users()) +
                   (reminder.silent() > static_cast<std::uint32_t>(reminder.users_size())
                        ? " (" + std::to_string(reminder.silent()) + " in all)"
                        : "");
        }
        case v1::Event::kMeeting:
            return head + describe_meeting(event.meeting());
        default:
            return head + who(event) + ": " + client::to_json(event);
    }
}

std::string format_event_json(const v1::Event& event) {
    return client::to_json(event);
}

}  // namespace muster::cli
