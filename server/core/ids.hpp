#pragma once
// Identifiers for sessions, duty calls, meetings and devices: ULIDs (26 characters of Crockford
// base32, time-ordered, 80 random bits), lower-cased, with a short type prefix ("dc_", "mt_").

#include <cstdint>
#include <string>
#include <string_view>

namespace muster {

std::string new_id(std::string_view prefix, std::int64_t now_ms);

// The same shape of id, derived from a client's idempotency key instead of the clock: the
// first 130 bits of SHA-256(owner, key) in base32. A retried create (the reply was lost with
// the connection) names the same object on every node, so the store can tell a retry from a
// new request without keeping the keys apart.
std::string keyed_id(std::string_view prefix, std::string_view owner, std::string_view key);

}  // namespace muster
