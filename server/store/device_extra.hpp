#pragma once
// How the stores keep a device's fields beyond its first ones (provider token, preferences):
// one JSON object, so that adding a field needs no schema change. Shared by both stores.

#include <string>

#include "store/device_store.hpp"

namespace muster::store {

// The fields of `device` beyond id, user, kind, endpoint, p256dh, auth and created_ms.
std::string encode_device_extra(const DeviceInfo& device);
// Fills those fields from what encode_device_extra() wrote; unknown or malformed text leaves
// them empty (a device stored before they existed).
void decode_device_extra(const std::string& text, DeviceInfo& device);

}  // namespace muster::store
