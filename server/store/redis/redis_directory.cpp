#include "store/redis/redis_directory.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "core/log.hpp"
#include "store/redis/lua_call.hpp"

namespace muster::store {
namespace {

Status malformed(const char* what) {
    return {errc::internal, std::string("redis: unexpected reply to ") + what};
}

// Lookups are idempotent and often follow a reconnect (a bus reset reloads the tree, a
// reconnecting client needs its memberships): they may wait for the connection.
constexpr bool wait_for_connection = true;

Role role_of(const std::string& name) {
    Role role = Role::member;
    if (!parse_role(name, role)) role = Role::member;  // a value this build does not know
    return role;
}

// The {code} or {code, message} reply of the directory's writing scripts.
Status script_status(const Result<redis::Reply>& reply, const char* what) {
    if (!reply) return reply.status();
    std::int64_t code = 0;
    if (!reply->is_array() || reply->elements.empty() ||
        !redis::as_integer(reply->elements[0], code)) {
        return malformed(what);
    }
    if (code == 0) return ok_status();
    const std::string message = reply->elements.size() > 1 ? reply->elements[1].str : what;
    return {code == -1 ? errc::not_found : errc::invalid_argument, message};
}

}  // namespace

void RedisDirectory::put_group(GroupInfo group, Done<Unit> done) {
    if (group.id.empty()) {
        done(Status(errc::invalid_argument, "group id is empty"));
        return;
    }
    lua::PutGroup::Keys keys{.groups_key = keys_.groups(), .parents_key = keys_.parents()};
    lua::PutGroup::Args args{.id = group.id, .name = group.name, .parent = group.parent};
    lua::run<lua::PutGroup>(
        client_, std::move(keys), std::move(args),
        [this, id = group.id, done = std::move(done)](const Result<redis::Reply>& reply) {
            if (Status status = script_status(reply, "put_group"); !status) {
                done(std::move(status));
                return;
            }
            // On the loop thread: straight to the connection, behind the script.
            client_.connection().command({"SET", keys_.seq(id), "0", "NX"},
                                         [done](const Result<redis::Reply>& set) {
                                             if (!set) {
                                                 done(set.status());
                                             } else {
                                                 done(Unit{});
                                             }
                                         });
        });
}

void RedisDirectory::list_groups(Done<std::vector<GroupInfo>> done) {
    lua::run<lua::ListGroups>(
        client_, {.groups_key = keys_.groups(), .parents_key = keys_.parents()}, {},
        [done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            if (!reply->is_array() || reply->elements.size() != 2) {
                done(malformed("list_groups"));
                return;
            }
            const auto& names = reply->elements[0].elements;
            const auto& parents = reply->elements[1].elements;
            std::map<std::string, std::string> parent_of;
            for (std::size_t i = 0; i + 1 < parents.size(); i += 2) {
                parent_of[parents[i].str] = parents[i + 1].str;
            }
            std::vector<GroupInfo> groups;
            groups.reserve(names.size() / 2);
            for (std::size_t i = 0; i + 1 < names.size(); i += 2) {
                const auto parent = parent_of.find(names[i].str);
                groups.push_back(
                    GroupInfo{names[i].str, names[i + 1].str,
                              parent == parent_of.end() ? std::string() : parent->second});
            }
            std::sort(groups.begin(), groups.end(),
                      [](const GroupInfo& a, const GroupInfo& b) { return a.id < b.id; });
            done(std::move(groups));
        },
        wait_for_connection);
}

void RedisDirectory::put_member(std::string group, std::string user, Role role, std::string name,
                                Done<Unit> done) {
    if (user.empty()) {
        done(Status(errc::invalid_argument, "user id is empty"));
        return;
    }
    if (role == Role::none) {
        done(Status(errc::invalid_argument, "role must be member or coordinator"));
        return;
    }
    lua::PutMember::Keys keys{.groups_key = keys_.groups(),
                              .members_key = keys_.members(group),
                              .member_names_key = keys_.member_names(group),
                              .memberships_key = keys_.memberships(user)};
    lua::PutMember::Args args{.group = std::move(group),
                              .user = std::move(user),
                              .role = role_name(role),
                              .name = std::move(name)};
    lua::run<lua::PutMember>(client_, std::move(keys), std::move(args),
                             [done = std::move(done)](const Result<redis::Reply>& reply) {
                                 if (Status status = script_status(reply, "put_member"); !status) {
                                     done(std::move(status));
                                 } else {
                                     done(Unit{});
                                 }
                             });
}

void RedisDirectory::remove_member(std::string group, std::string user, Done<Unit> done) {
    lua::RemoveMember::Keys keys{.members_key = keys_.members(group),
                                 .member_names_key = keys_.member_names(group),
                                 .memberships_key = keys_.memberships(user)};
    lua::RemoveMember::Args args{.group = std::move(group), .user = std::move(user)};
    lua::run<lua::RemoveMember>(client_, std::move(keys), std::move(args),
                                [done = std::move(done)](const Result<redis::Reply>& reply) {
                                    if (Status status = script_status(reply, "remove_member");
                                        !status) {
                                        done(std::move(status));
                                    } else {
                                        done(Unit{});
                                    }
                                });
}

void RedisDirectory::memberships_of(std::string user, Done<std::vector<Membership>> done) {
    client_.command(
        {"HGETALL", keys_.memberships(user)},
        [done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            std::vector<Membership> out;
            const auto& fields = reply->elements;
            out.reserve(fields.size() / 2);
            for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
                out.push_back(Membership{fields[i].str, role_of(fields[i + 1].str)});
            }
            std::sort(out.begin(), out.end(),
                      [](const Membership& a, const Membership& b) { return a.group < b.group; });
            done(std::move(out));
        },
        wait_for_connection);
}

void RedisDirectory::profile_of(std::string user, Done<UserProfile> done) {
    memberships_of(user, [this, user, done = std::move(done)](
                             Result<std::vector<Membership>> memberships) mutable {
        if (!memberships) {
            done(memberships.status());
            return;
        }
        UserProfile profile;
        profile.memberships = std::move(*memberships);
        if (profile.memberships.empty()) {
            done(std::move(profile));
            return;
        }
        // The names given with the memberships, in group order: one HGET each, pipelined in
        // one script.
        lua::FirstMemberName::Keys keys;
        keys.more.reserve(profile.memberships.size());
        for (const auto& m : profile.memberships) keys.more.push_back(keys_.member_names(m.group));
        lua::run<lua::FirstMemberName>(
            client_, std::move(keys), {.user = user},
            [profile = std::move(profile),
             done = std::move(done)](Result<redis::Reply> reply) mutable {
                if (!reply) {
                    done(reply.status());
                    return;
                }
                if (reply->is_string()) profile.name = reply->str;
                done(std::move(profile));
            },
            wait_for_connection);
    });
}

void RedisDirectory::members_of(std::string group, Done<std::vector<MemberInfo>> done) {
    lua::MembersOf::Keys keys{.groups_key = keys_.groups(),
                              .members_key = keys_.members(group),
                              .member_names_key = keys_.member_names(group),
                              .users_key = keys_.users()};
    lua::run<lua::MembersOf>(
        client_, std::move(keys), {.group = group},
        [group, done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            std::int64_t code = 0;
            if (!reply->is_array() || reply->elements.empty() ||
                !redis::as_integer(reply->elements[0], code)) {
                done(malformed("members_of"));
                return;
            }
            if (code < 0) {
                done(Status(errc::not_found, "no such group: " + group));
                return;
            }
            const auto& fields = reply->elements;
            std::vector<MemberInfo> out;
            out.reserve(fields.size() / 3);
            for (std::size_t i = 1; i + 2 < fields.size(); i += 3) {
                out.push_back(
                    MemberInfo{fields[i].str, role_of(fields[i + 1].str), fields[i + 2].str});
            }
            std::sort(out.begin(), out.end(),
                      [](const MemberInfo& a, const MemberInfo& b) { return a.user < b.user; });
            done(std::move(out));
        },
        wait_for_connection);
}

void RedisDirectory::remember_user(std::string user, std::string name) {
    if (user.empty()) return;
    // Nobody waits for this.
    client_.command(
        {"HSET", keys_.users(), user, std::move(name)}, [user](const Result<redis::Reply>& reply) {
            if (!reply) {
                MUSTER_LOG_DEBUG("store")
                    << "remember_user " << user << " dropped: " << reply.status().message();
            }
        });
}

}  // namespace muster::store
