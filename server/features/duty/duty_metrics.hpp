#pragma once
// Duty-call metrics (GET /metrics), registered at install so they are listed from the start.

#include <string_view>

#include "core/metrics.hpp"
#include "muster/v1/duty.pb.h"

namespace muster::features::duty_metrics {

void register_all();

metrics::Counter& created();                                          // calls created
metrics::Counter& responses(muster::v1::DutyRespond::Answer answer);  // answers recorded
metrics::Counter& refused();     // accepts refused with CONFLICT (full, over, past deadline)
metrics::Counter& waitlisted();  // accepts put on a waiting list
metrics::Counter& entered(muster::v1::DutyCall::State state);  // calls that reached a state
metrics::Counter& reminders();                                 // reminder rounds sent
metrics::Counter& reminded();                                  // users named in reminders
metrics::Counter& pushes(std::string_view kind);               // push intents: "call" or "reminder"

}  // namespace muster::features::duty_metrics
