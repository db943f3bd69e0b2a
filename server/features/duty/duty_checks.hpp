#pragma once
// The checks of duty-call commands that need no store: field sizes, ranges and times, with
// errors that name the field (docs/PROTOCOL.md "Duty calls"). Rights are checked by DutyCalls.

#include <cstdint>
#include <string_view>

#include "core/config.hpp"
#include "core/status.hpp"
#include "muster/v1/duty.pb.h"

namespace muster::features {

// Answers close at deadline_ms, or at starts_at_ms when no deadline is given.
std::int64_t effective_deadline(const muster::v1::DutyCreate& request);

// INVALID_ARGUMENT or TOO_LARGE naming the field: group and title required, 1..max_slots
// slots, a known urgency, times not negative, ends not before starts, and a deadline that is
// in the future and not after the end.
Status check_create(const muster::v1::DutyCreate& request, const Config& config,
                    std::int64_t now_ms);
// A call id and ACCEPT or DECLINE; the note at most limits.max_text_bytes.
Status check_respond(const muster::v1::DutyRespond& request, const Config& config);
Status check_close(const muster::v1::DutyClose& request, const Config& config);

// "OPEN", "filled", ... (as in JSON, any case); INVALID_ARGUMENT for anything else.
Result<muster::v1::DutyCall::State> parse_state(std::string_view name);

}  // namespace muster::features
