#pragma once
// The meeting_* commands of docs/PROTOCOL.md "Meetings": input checks here, the rules in
// rules.hpp, run in the store by MeetingFeature::apply.

#include "node/commands.hpp"

namespace muster::features::meetings {

class MeetingFeature;

void register_meeting_commands(node::CommandRegistry& commands, MeetingFeature& feature);

}  // namespace muster::features::meetings
