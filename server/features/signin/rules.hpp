#pragma once
// The rules of sign-in, pure functions of a record and the time: the one copy of each, run by
// both stores inside their atomic step (features/signin/signin_store.hpp). Unit-tested without
// a store (tests/unit/signin).

#include <cstdint>
#include <string>

#include "features/signin/records.hpp"

namespace muster::features::signin {

// Redeeming uses the invitation once: NOT_FOUND, with the same message whatever the reason,
// when it is revoked, expired or used up (a guesser learns nothing from the answer).
Status use_invitation(Invitation& invitation, std::int64_t now_ms);

// Revoking is idempotent: a revoked invitation stays revoked.
Status revoke_invitation(Invitation& invitation, std::int64_t now_ms);

// What a refresh asks of its session.
struct RefreshAsk {
    std::string presented_hash;      // hex SHA-256 of the refresh token presented
    std::string next_hash;           // of the token that replaces it
    std::int64_t idle_limit_ms = 0;  // a session unused for longer ends (auth.session_idle_s)
};

// Rotation with theft detection:
//   the current token       -> rotated: next_hash is current, the old one kept as rotated
//   a rotated (earlier) one -> the session is revoked ("reuse"): whoever holds the current
//                              token, thief or owner, must sign in again
//   an idle session         -> revoked ("idle")
//   anything else, or a revoked session -> UNAUTHENTICATED, nothing changes
// The caller tells rotation from revocation by the session it gets back (revoked or not).
Result<bool> rotate_refresh(DeviceSession& session, const RefreshAsk& ask, std::int64_t now_ms);

// Revokes (idempotent: false when it already was).
Result<bool> revoke_session(DeviceSession& session, std::int64_t now_ms);

// Notes that the session was used (a connection with its token), at most once a minute so that
// reconnect storms do not turn into writes. UNAUTHENTICATED for a revoked session.
Result<bool> touch_session(DeviceSession& session, std::int64_t now_ms);

// The message every refused code gets.
inline constexpr const char* unknown_code_message = "no such invitation";

}  // namespace muster::features::signin
