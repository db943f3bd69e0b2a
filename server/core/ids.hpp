#pragma once
// Identifiers for sessions, duty calls, meetings and devices: ULIDs (26 characters of Crockford
// base32, time-ordered, 80 random bits), lower-cased, with a short type prefix ("dc_", "mt_").

#include <cstdint>
#include <string>
#include <string_view>

namespace muster {

std::string new_id(std::string_view prefix, std::int64_t now_ms);

}  // namespace muster
