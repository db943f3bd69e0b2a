#include "features/duty/duty_checks.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "node/validate.hpp"

namespace muster::features {

namespace v1 = muster::v1;
using node::check_id;
using node::check_text;

std::int64_t effective_deadline(const v1::DutyCreate& request) {
    return request.deadline_ms() != 0 ? request.deadline_ms() : request.starts_at_ms();
}

Status check_create(const v1::DutyCreate& request, const Config& config, std::int64_t now_ms) {
    const auto& limits = config.limits;
    const auto& duty = config.duty;
    if (Status s = check_id("group", request.group(), limits.max_id_bytes); !s) return s;
    if (Status s =
            node::check_optional_id("client_msg_id", request.client_msg_id(), limits.max_id_bytes);
        !s) {
        return s;
    }
    if (Status s = check_text("title", request.title(), duty.max_title_bytes, true); !s) return s;
    if (Status s = check_text("location", request.location(), duty.max_title_bytes, false); !s)
        return s;
    if (Status s = check_text("description", request.description(), limits.max_text_bytes, false);
        !s) {
        return s;
    }
    if (request.slots() == 0) return {errc::invalid_argument, "slots must be at least 1"};
    if (request.slots() > duty.max_slots) {
        return {errc::too_large, "slots must be at most " + std::to_string(duty.max_slots)};
    }
    if (!v1::DutyCall::Urgency_IsValid(request.urgency())) {
        return {errc::invalid_argument, "urgency must be ROUTINE or URGENT"};
    }
    if (request.starts_at_ms() < 0 || request.ends_at_ms() < 0 || request.deadline_ms() < 0) {
        return {errc::invalid_argument, "times are Unix milliseconds, not negative"};
    }
    if (request.starts_at_ms() != 0 && request.ends_at_ms() != 0 &&
        request.ends_at_ms() < request.starts_at_ms()) {
        return {errc::invalid_argument, "ends_at_ms is before starts_at_ms"};
    }
    const std::int64_t deadline = effective_deadline(request);
    if (deadline == 0) {
        return {errc::invalid_argument,
                "deadline_ms (or starts_at_ms, which it defaults to) is required"};
    }
    if (deadline <= now_ms) {
        return {errc::invalid_argument, request.deadline_ms() != 0
                                            ? "deadline_ms is in the past"
                                            : "starts_at_ms is in the past (give a deadline_ms)"};
    }
    if (request.ends_at_ms() != 0 && deadline > request.ends_at_ms()) {
        return {errc::invalid_argument, "deadline_ms is after ends_at_ms"};
    }
    return ok_status();
}

Status check_respond(const v1::DutyRespond& request, const Config& config) {
    if (Status s = check_id("call_id", request.call_id(), config.limits.max_id_bytes); !s) return s;
    if (request.answer() != v1::DutyRespond::ACCEPT && request.answer() != v1::DutyRespond::DECLINE)
        return {errc::invalid_argument, "answer must be ACCEPT or DECLINE"};
    return check_text("note", request.note(), config.limits.max_text_bytes, false);
}

Status check_close(const v1::DutyClose& request, const Config& config) {
    if (Status s = check_id("call_id", request.call_id(), config.limits.max_id_bytes); !s) return s;
    return check_text("reason", request.reason(), config.limits.max_text_bytes, false);
}

Result<v1::DutyCall::State> parse_state(std::string_view name) {
    std::string upper(name);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    v1::DutyCall::State state{};
    if (upper.empty() || !v1::DutyCall::State_Parse(upper, &state) ||
        state == v1::DutyCall::STATE_UNSPECIFIED) {
        return Status(errc::invalid_argument,
                      "state must be OPEN, FILLED, CLOSED, CANCELLED or EXPIRED");
    }
    return state;
}

}  // namespace muster::features
