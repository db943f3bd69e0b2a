#pragma once
// What a duty call says by push to members with no connected device, and how they are found.
// The texts are plain English (a fallback); `data` carries what the push worker renders each
// device's own words from (push/notification_text.hpp) and what an app opens
// ({"type": "duty_call" | "duty_reminder", "callId", "group", "groupName", "callTitle",
// "location", "open", "startsAtMs", "urgency", ...}).

#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "muster/v1/duty.pb.h"
#include "store/presence.hpp"
#include "store/push_outbox.hpp"

namespace muster::features {

// The announcement of a new call.
// `group_name`: the call's group as people know it.
push::PushIntent announcement_push(const muster::v1::DutyCall& call, const std::string& group_name);
// Reminder `round` of a call whose tally is `tally`.
push::PushIntent reminder_push(const muster::v1::DutyCall& call,
                               const muster::v1::DutyUpdate& tally, std::uint32_t round,
                               const std::string& group_name);

// The users (of `users`) with no connection on any node, ordered as given
// (store::offline_among: one connected_among for all; unknown counts as offline).
boost::asio::awaitable<std::vector<std::string>> offline_among(store::PresenceStore& presence,
                                                               std::vector<std::string> users);

}  // namespace muster::features
