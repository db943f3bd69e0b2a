#pragma once
// Identifiers for sessions, duty calls, meetings and devices: ULIDs (26 characters of Crockford
// base32, time-ordered, 80 random bits), lower-cased, with a short type prefix ("dc_", "mt_").

#include <cstdint>
#include <string>
#include <string_view>

namespace muster {

std::string new_id(std::string_view prefix, std::int64_t now_ms);

// The one rule for every id a client or a token names (groups, users, client_msg_id, device
// ids): 1..max_bytes of A-Z a-z 0-9 . _ - : @, and no "..": ids travel in URL paths, log lines
// and Redis keys. Empty when `id` is valid, else why not (for a message after the id's name).
std::string id_problem(std::string_view id, std::uint32_t max_bytes);

// A display name (the token's `name`, a roster name): 1..max_bytes of valid UTF-8 without
// control characters (C0, DEL, C1) or line and paragraph separators, so that it stays one line
// in every event, report and log. Empty when valid, else why not.
std::string name_problem(std::string_view name, std::uint32_t max_bytes);

// The same shape of id, derived from a client's idempotency key instead of the clock: the
// first 130 bits of SHA-256(owner, key) in base32. A retried create (the reply was lost with
// the connection) names the same object on every node, so the store can tell a retry from a
// new request without keeping the keys apart.
std::string keyed_id(std::string_view prefix, std::string_view owner, std::string_view key);

}  // namespace muster
