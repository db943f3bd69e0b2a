#pragma once
// Groups, memberships and display names in SQLite (see directory.hpp for the contract).
//
// Changes are write jobs (committed before `done`); lookups are read jobs on the reader
// connection, so they see every change whose `done` has been called. Tree rules are checked
// inside the writing transaction, where nothing can change under them: a parent must exist, a
// group cannot be its own parent, and a new parent may not be the group or one of its
// descendants (a cycle).

#include <string>
#include <vector>

#include "sqlite/database.hpp"
#include "store/directory.hpp"

namespace muster::store {

class SqliteDirectory final : public Directory {
  public:
    // The database must be closed before this directory is destroyed.
    explicit SqliteDirectory(sqlite::Database& db) : db_(db) {}

    // INVALID_ARGUMENT for an empty id, a group that is its own parent, or a cycle.
    void put_group(GroupInfo group, Done<Unit> done) override;
    // Ordered by id.
    void list_groups(Done<std::vector<GroupInfo>> done) override;
    // INVALID_ARGUMENT for Role::none or an empty user; NOT_FOUND for no group.
    void put_member(std::string group, std::string user, Role role, std::string name,
                    Done<Unit> done) override;
    void remove_member(std::string group, std::string user, Done<Unit> done) override;
    // Every group the user is a direct member of, ordered by group id.
    void memberships_of(std::string user, Done<std::vector<Membership>> done) override;
    // One read transaction for all of them.
    void memberships_of_users(std::vector<std::string> users, Done<MembershipLists> done) override;
    void profile_of(std::string user, Done<UserProfile> done) override;
    // Ordered by user id; the name from the membership, else the one the user connected with.
    // NOT_FOUND for no group.
    void members_of(std::string group, Done<std::vector<MemberInfo>> done) override;
    void remember_user(std::string user, std::string name) override;

  private:
    sqlite::Database& db_;
};

}  // namespace muster::store
