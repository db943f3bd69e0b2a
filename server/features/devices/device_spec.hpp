#pragma once
// The checks of a DeviceSpec (PUT /api/v1/devices/{id}), with errors that name the field.

#include <cstdint>
#include <string_view>

#include "core/status.hpp"
#include "muster/v1/api.pb.h"

namespace muster::features {

inline constexpr std::size_t max_endpoint_bytes = 2048;
inline constexpr std::size_t max_key_bytes = 256;

// kind webpush | unifiedpush | webhook; an http(s) endpoint (https for webpush); webpush
// needs p256dh and auth in base64url. INVALID_ARGUMENT or TOO_LARGE.
Status check_device_spec(const muster::v1::DeviceSpec& spec);

}  // namespace muster::features
