#pragma once
// Groups, memberships and display names in Redis (see directory.hpp for the contract), all
// under the `{dir}` hash tag (redis/keys.hpp): one shard in a cluster, which is fine for data
// that changes rarely and is never on the message path (nodes cache it).
//
// Tree rules are checked inside the put_group script, where nothing can change under them.
// A group also gets its `seq` counter (at 0, if it has none) right after the script succeeds:
// that key, under the group's own hash tag, is what the append script checks for existence.
// Were the connection lost between the two, put_group fails with UNAVAILABLE and the group is
// listed but refuses appends (NOT_FOUND) until put_group is retried, which heals it.

#include <string>
#include <vector>

#include "redis/client.hpp"
#include "redis/keys.hpp"
#include "store/directory.hpp"

namespace muster::store {

class RedisDirectory final : public Directory {
  public:
    // `client` and `keys` must outlive the directory.
    RedisDirectory(redis::Client& client, const redis::Keys& keys) : client_(client), keys_(keys) {}

    // INVALID_ARGUMENT for an empty id, a group that is its own parent, or a cycle.
    void put_group(GroupInfo group, Done<Unit> done) override;
    // Ordered by id.
    void list_groups(Done<std::vector<GroupInfo>> done) override;
    // INVALID_ARGUMENT for Role::none or an empty user; NOT_FOUND for no group.
    void put_member(std::string group, std::string user, Role role, std::string name,
                    Done<Unit> done) override;
    void remove_member(std::string group, std::string user, Done<Unit> done) override;
    // Ordered by group id.
    void memberships_of(std::string user, Done<std::vector<Membership>> done) override;
    void profile_of(std::string user, Done<UserProfile> done) override;
    // Ordered by user id. NOT_FOUND for no group.
    void members_of(std::string group, Done<std::vector<MemberInfo>> done) override;
    void remember_user(std::string user, std::string name) override;

  private:
    redis::Client& client_;
    const redis::Keys& keys_;
};

}  // namespace muster::store
