#include "features/duty/duty_metrics.hpp"

#include <string>

namespace muster::features::duty_metrics {

namespace v1 = muster::v1;

namespace {
auto& registry() {
    return metrics::registry();
}
}  // namespace

metrics::Counter& created() {
    static auto& c = registry().counter("muster_duty_calls_created_total", "Duty calls created");
    return c;
}

metrics::Counter& responses(v1::DutyRespond::Answer answer) {
    static constexpr const char* help = "Duty-call answers recorded (repeats excluded), by answer";
    static auto& accept =
        registry().counter("muster_duty_responses_total", help, R"(answer="ACCEPT")");
    static auto& decline =
        registry().counter("muster_duty_responses_total", help, R"(answer="DECLINE")");
    return answer == v1::DutyRespond::ACCEPT ? accept : decline;
}

metrics::Counter& refused() {
    static auto& c = registry().counter(
        "muster_duty_accepts_refused_total",
        "Accepts refused with CONFLICT: the call was full, over or past its deadline");
    return c;
}

metrics::Counter& waitlisted() {
    static auto& c =
        registry().counter("muster_duty_waitlisted_total", "Accepts put on a call's waiting list");
    return c;
}

metrics::Counter& entered(v1::DutyCall::State state) {
    static constexpr const char* help = "Duty calls that reached a state (FILLED may repeat)";
    static auto& filled =
        registry().counter("muster_duty_state_changes_total", help, R"(state="FILLED")");
    static auto& closed =
        registry().counter("muster_duty_state_changes_total", help, R"(state="CLOSED")");
    static auto& cancelled =
        registry().counter("muster_duty_state_changes_total", help, R"(state="CANCELLED")");
    static auto& expired =
        registry().counter("muster_duty_state_changes_total", help, R"(state="EXPIRED")");
    static auto& reopened =
        registry().counter("muster_duty_state_changes_total", help, R"(state="OPEN")");
    switch (state) {
        case v1::DutyCall::FILLED:
            return filled;
        case v1::DutyCall::CLOSED:
            return closed;
        case v1::DutyCall::CANCELLED:
            return cancelled;
        case v1::DutyCall::EXPIRED:
            return expired;
        default:
            return reopened;
    }
}

metrics::Counter& reminders() {
    static auto& c =
        registry().counter("muster_duty_reminders_total", "Duty-call reminder rounds sent");
    return c;
}

metrics::Counter& reminded() {
    static auto& c = registry().counter("muster_duty_reminded_users_total",
                                        "Users named in duty-call reminders");
    return c;
}

metrics::Counter& pushes(std::string_view kind) {
    static constexpr const char* help = "Push intents recorded for members with no connection";
    static auto& call =
        registry().counter("muster_duty_push_intents_total", help, R"(kind="call")");
    static auto& reminder =
        registry().counter("muster_duty_push_intents_total", help, R"(kind="reminder")");
    return kind == "call" ? call : reminder;
}

void register_all() {
    created();
    responses(v1::DutyRespond::ACCEPT);
    refused();
    waitlisted();
    entered(v1::DutyCall::FILLED);
    reminders();
    reminded();
    pushes("call");
}

}  // namespace muster::features::duty_metrics
