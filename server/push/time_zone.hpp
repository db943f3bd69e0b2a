#pragma once
// A device's local time: the UTC offset of an IANA zone at an instant, read from the system's
// zoneinfo files (TZif, RFC 8536). Thread-safe (no TZ environment games); files are read once
// per zone and cached.

#include <cstdint>
#include <string>

namespace muster::push {

// Seconds east of UTC in `zone` at `utc_ms`; 0 for an empty, unknown or malformed zone.
std::int64_t utc_offset_s(const std::string& zone, std::int64_t utc_ms);

// The local minute of the day (0..1439) in `zone` at `utc_ms`.
int local_minute_of_day(const std::string& zone, std::int64_t utc_ms);

}  // namespace muster::push
