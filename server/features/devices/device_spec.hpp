#pragma once
// The checks of a DeviceSpec (PUT /api/v1/devices/{id}), with errors that name the field.

#include <cstdint>
#include <string_view>

#include "core/status.hpp"
#include "muster/v1/api.pb.h"

namespace muster::features {

inline constexpr std::size_t max_endpoint_bytes = 2048;
inline constexpr std::size_t max_key_bytes = 256;
inline constexpr std::size_t max_token_bytes = 4096;

// kind webpush | unifiedpush (an endpoint, p256dh and auth in base64url) | webhook (an endpoint
// and a secret) | apns (token, topic, environment) | fcm | hms (token); endpoints https:// (or
// http:// when `allow_http`); locale zh-CN | en; quietHours HH:MM; kinds among duty, reminder,
// meeting, chat, mention. INVALID_ARGUMENT or TOO_LARGE.
Status check_device_spec(const muster::v1::DeviceSpec& spec, bool allow_http);

}  // namespace muster::features
