#pragma once
// Invitations and device sessions in the embedded database (the contract:
// features/signin/signin_store.hpp).
//
// Tables (migrations of the feature "signin", store/sqlite/sqlite_feature_schema.hpp):
//   signin_invitations  id, code_hash (SHA-256 of the code, unique: what redeem looks up),
//                       group_id, created_ms, record (the Invitation as JSON)
//   signin_sessions     id, user_id, created_ms, record (the DeviceSession as JSON)
// A change reads the record, runs the feature's rule and writes it back in one write job, so
// in one transaction: the writer thread runs jobs one after the other, so fifty concurrent
// redeems of a code with ten uses see ten, never eleven. Reads run on the reader thread.

#include "core/clock.hpp"
#include "features/signin/signin_store.hpp"
#include "sqlite/database.hpp"

namespace muster::store {

class SqliteSigninStore final : public features::signin::SigninStore {
  public:
    // Creates or migrates the tables, blocking: start-up only. Throws std::runtime_error when it
    // cannot. `db` and `clock` must outlive this; close the database before destroying it.
    SqliteSigninStore(sqlite::Database& db, const Clock& clock);

    void add_invitation(features::signin::Invitation invitation, Done<Unit> done) override;
    void invitation(std::string id, Done<features::signin::Invitation> done) override;
    void invitations_of(std::string group,
                        Done<std::vector<features::signin::Invitation>> done) override;
    void change_invitation(std::string id, features::signin::InvitationRule rule,
                           Done<features::signin::Invitation> done) override;
    void redeem(std::string code, features::signin::InvitationRule rule,
                features::signin::DeviceSession session,
                Done<features::signin::Invitation> done) override;
    void session(std::string id, Done<features::signin::DeviceSession> done) override;
    void sessions_of(std::string user,
                     Done<std::vector<features::signin::DeviceSession>> done) override;
    void change_session(std::string id, features::signin::SessionRule rule,
                        Done<features::signin::DeviceSession> done) override;

  private:
    sqlite::Database& db_;
    const Clock& clock_;
};

}  // namespace muster::store
