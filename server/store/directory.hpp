#pragma once
// Groups (a tree), memberships with roles, and users' display names.
//
// The node keeps a copy of the tree and of connected users' memberships in memory (node/access)
// and asks the directory only when they change; so these calls are not on the message path.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/async.hpp"

namespace muster::store {

enum class Role : std::uint8_t { none = 0, member = 1, coordinator = 2 };

std::string_view role_name(Role role);  // "member", "coordinator", "none"
bool parse_role(std::string_view name, Role& out);

struct GroupInfo {
    std::string id;
    std::string name;
    std::string parent;  // empty for a root
};

struct Membership {
    std::string group;
    Role role = Role::member;
};

struct MemberInfo {
    std::string user;
    Role role = Role::member;
    std::string name;  // the display name last seen (token or admin API); may be empty
};

// What the node loads for a user who authenticates: memberships and the display name the
// directory holds (given with a membership, by an admin or at sign-in; the first non-empty one
// by group id). `name` is empty when the directory has none: the token's name is used then.
struct UserProfile {
    std::vector<Membership> memberships;
    std::string name;
};

class Directory {
  public:
    virtual ~Directory() = default;

    // Creates or updates a group. NOT_FOUND if the parent does not exist; INVALID_ARGUMENT if
    // the new parent would make a cycle.
    virtual void put_group(GroupInfo group, Done<Unit> done) = 0;
    virtual void list_groups(Done<std::vector<GroupInfo>> done) = 0;

    // Adds a member or changes the role (and the name, when not empty). NOT_FOUND for no group.
    virtual void put_member(std::string group, std::string user, Role role, std::string name,
                            Done<Unit> done) = 0;
    // NOT_FOUND when the user was not a member.
    virtual void remove_member(std::string group, std::string user, Done<Unit> done) = 0;

    virtual void memberships_of(std::string user, Done<std::vector<Membership>> done) = 0;
    // Each user's memberships (as memberships_of gives them, or that user's own failure), in
    // the order of `users`, answered once for all: whom of many users a feature may reach in a
    // group (the chat pushes' readers). By default one memberships_of per user, gathered; the
    // embedded store reads them in one transaction. `done` runs on the thread of the last
    // answer.
    using MembershipLists = std::vector<Result<std::vector<Membership>>>;
    virtual void memberships_of_users(std::vector<std::string> users, Done<MembershipLists> done);
    // Memberships and directory name in one read (see UserProfile).
    virtual void profile_of(std::string user, Done<UserProfile> done) = 0;
    virtual void members_of(std::string group, Done<std::vector<MemberInfo>> done) = 0;

    // Records the display name a user connected with (fire and forget; for reports).
    virtual void remember_user(std::string user, std::string name) = 0;
};

}  // namespace muster::store
