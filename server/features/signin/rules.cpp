#include "features/signin/rules.hpp"

#include <algorithm>

namespace muster::features::signin {

namespace {

constexpr std::int64_t touch_interval_ms = 60'000;

Status session_ended() {
    return {errc::unauthenticated, "the session has ended: sign in again"};
}

void end(DeviceSession& session, const char* reason, std::int64_t now_ms) {
    session.revoked = true;
    session.revoked_reason = reason;
    session.revoked_ms = now_ms;
}

}  // namespace

Status use_invitation(Invitation& invitation, std::int64_t now_ms) {
    if (invitation.revoked || now_ms >= invitation.expires_at_ms ||
        invitation.uses >= invitation.max_uses) {
        return {errc::not_found, unknown_code_message};
    }
    ++invitation.uses;
    return ok_status();
}

Status revoke_invitation(Invitation& invitation, std::int64_t /*now_ms*/) {
    invitation.revoked = true;
    return ok_status();
}

Result<bool> rotate_refresh(DeviceSession& session, const RefreshAsk& ask, std::int64_t now_ms) {
    if (session.revoked) return session_ended();
    if (ask.presented_hash == session.refresh_hash) {
        if (now_ms - session.last_seen_ms > ask.idle_limit_ms) {
            end(session, "idle", now_ms);
            return true;
        }
        session.rotated_hashes.push_back(session.refresh_hash);
        if (session.rotated_hashes.size() > rotated_hashes_kept) {
            session.rotated_hashes.erase(session.rotated_hashes.begin());
        }
        session.refresh_hash = ask.next_hash;
        session.last_seen_ms = now_ms;
        return true;
    }
    const auto& rotated = session.rotated_hashes;
    if (std::find(rotated.begin(), rotated.end(), ask.presented_hash) != rotated.end()) {
        end(session, "reuse", now_ms);
        return true;
    }
    return Status{errc::unauthenticated, "refresh token not accepted"};
}

Result<bool> revoke_session(DeviceSession& session, std::int64_t now_ms) {
    if (session.revoked) return false;
    end(session, "revoked", now_ms);
    return true;
}

Result<bool> touch_session(DeviceSession& session, std::int64_t now_ms) {
    if (session.revoked) return session_ended();
    if (now_ms - session.last_seen_ms < touch_interval_ms) return false;
    session.last_seen_ms = now_ms;
    return true;
}

}  // namespace muster::features::signin
