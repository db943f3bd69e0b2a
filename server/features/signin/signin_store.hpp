#pragma once
// Where sign-in keeps invitations and device sessions. Implementations:
// store/sqlite/sqlite_signin_store.* (embedded, one node) and store/redis/redis_signin_store.*
// (shared by nodes).
//
// Every change is ONE store operation: read the record, run the feature's rule on it
// (features/signin/rules.hpp: the only copy of each rule), store what it changed, atomically
// (a SQLite transaction; on Redis a version-checked swap, retried with a fresh read when
// another node changed the record meanwhile). A rule may therefore run more than once for one
// operation and must depend on its inputs only. The store knows no rule.
//
// Completions run on the store's thread (callers bring them back with async_call). Errors:
// NOT_FOUND for no such record, the rule's own error (nothing stored) when it refuses,
// UNAVAILABLE when the store cannot answer now.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "features/signin/records.hpp"

namespace muster::features::signin {

// Checks and changes an invitation at `now_ms` (the store's clock). An error refuses: nothing
// is stored.
using InvitationRule = std::function<Status(Invitation& invitation, std::int64_t now_ms)>;

// Checks and changes a session. true: store the changed session; false: nothing to store (the
// session is answered as it was read). An error refuses: nothing is stored.
using SessionRule = std::function<Result<bool>(DeviceSession& session, std::int64_t now_ms)>;

class SigninStore {
  public:
    virtual ~SigninStore() = default;

    // A new invitation. CONFLICT if its id or code is taken (random: never in practice).
    virtual void add_invitation(Invitation invitation, Done<Unit> done) = 0;
    virtual void invitation(std::string id, Done<Invitation> done) = 0;
    // Every invitation of the group (revoked and used up included), oldest first.
    virtual void invitations_of(std::string group, Done<std::vector<Invitation>> done) = 0;
    // Runs `rule` on the invitation and stores it; answers the stored invitation.
    virtual void change_invitation(std::string id, InvitationRule rule, Done<Invitation> done) = 0;

    // Finds the invitation with this code, runs `rule` on it and, if it holds, stores it AND
    // the new `session` together: either both are written or neither. NOT_FOUND for no such
    // code. Answers the invitation as stored.
    virtual void redeem(std::string code, InvitationRule rule, DeviceSession session,
                        Done<Invitation> done) = 0;

    virtual void session(std::string id, Done<DeviceSession> done) = 0;
    // Every session of the user (revoked ones included), oldest first.
    virtual void sessions_of(std::string user, Done<std::vector<DeviceSession>> done) = 0;
    // Runs `rule` on the session; stores it when the rule says so. Answers the session after.
    virtual void change_session(std::string id, SessionRule rule, Done<DeviceSession> done) = 0;
};

}  // namespace muster::features::signin
