#include "store/sqlite/sqlite_directory.hpp"

#include <utility>

#include "core/log.hpp"

namespace muster::store {
namespace {

Result<bool> group_exists(sqlite::Transaction& txn, const std::string& group) {
    auto find = txn.prepare("SELECT 1 FROM groups WHERE id = ?1");
    if (!find) return find.status();
    find->bind_text(1, group);
    return find->step();
}

Status require_group(sqlite::Transaction& txn, const std::string& group) {
    auto exists = group_exists(txn, group);
    if (!exists) return exists.status();
    return *exists ? ok_status() : Status(errc::not_found, "no such group: " + group);
}

// Whether `group` is `parent` or one of its ancestors, i.e. whether putting `group` under
// `parent` would close a cycle. UNION (not UNION ALL) ends the walk even on a damaged tree.
Result<bool> is_ancestor_or_self(sqlite::Transaction& txn, const std::string& group,
                                 const std::string& parent) {
    auto walk = txn.prepare(
        "WITH RECURSIVE up(id) AS (SELECT ?1 UNION "
        "SELECT g.parent FROM groups g JOIN up ON g.id = up.id WHERE g.parent IS NOT NULL) "
        "SELECT 1 FROM up WHERE id = ?2 LIMIT 1");
    if (!walk) return walk.status();
    walk->bind_text(1, parent).bind_text(2, group);
    return walk->step();
}

Status put_group_in(sqlite::Transaction& txn, const GroupInfo& group) {
    if (group.id.empty()) return {errc::invalid_argument, "group id is empty"};
    if (!group.parent.empty()) {
        if (group.parent == group.id) {
            return {errc::invalid_argument, "group " + group.id + " cannot be its own parent"};
        }
        if (auto status = require_group(txn, group.parent); !status) return status;
        auto cycle = is_ancestor_or_self(txn, group.id, group.parent);
        if (!cycle) return cycle.status();
        if (*cycle) {
            return {errc::invalid_argument, "group " + group.id + " cannot move under " +
                                                group.parent + ": that is inside its own subtree"};
        }
    }
    auto upsert = txn.prepare(
        "INSERT INTO groups (id, name, parent) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, parent = excluded.parent");
    if (!upsert) return upsert.status();
    upsert->bind_text(1, group.id).bind_text(2, group.name);
    if (group.parent.empty()) {
        upsert->bind_null(3);
    } else {
        upsert->bind_text(3, group.parent);
    }
    return upsert->run();
}

// The common shape of a change: run `body` in a write job, `done(Unit)` after the commit.
template <class Body>
void write_unit(sqlite::Database& db, Done<Unit> done, Body body) {
    auto job = [done, body = std::move(body)](sqlite::Transaction& txn) -> Status {
        if (auto status = body(txn); !status) return status;
        txn.after_commit([done] { done(Unit{}); });
        return ok_status();
    };
    db.write(std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); });
}

// The common shape of a lookup: `body` fills a T in a read job, handed to `done` afterwards.
template <class T, class Body>
void read_value(sqlite::Database& db, Done<T> done, Body body) {
    auto job = [done, body = std::move(body)](sqlite::Transaction& txn) -> Status {
        T value{};
        if (auto status = body(txn, value); !status) return status;
        txn.after_commit([done, value = std::move(value)]() mutable { done(std::move(value)); });
        return ok_status();
    };
    db.read(std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); });
}

// Steps `stmt` to the end, calling `row` for each row.
template <class Row>
Status each_row(sqlite::Statement& stmt, Row row) {
    for (;;) {
        auto more = stmt.step();
        if (!more) return more.status();
        if (!*more) return ok_status();
        row(stmt);
    }
}

Role role_of(const std::string& name) {
    Role role = Role::member;
    if (!parse_role(name, role)) role = Role::member;  // a value this build does not know
    return role;
}

}  // namespace

void SqliteDirectory::put_group(GroupInfo group, Done<Unit> done) {
    write_unit(db_, std::move(done), [group = std::move(group)](sqlite::Transaction& txn) {
        return put_group_in(txn, group);
    });
}

void SqliteDirectory::list_groups(Done<std::vector<GroupInfo>> done) {
    read_value<std::vector<GroupInfo>>(
        db_, std::move(done),
        [](sqlite::Transaction& txn, std::vector<GroupInfo>& groups) -> Status {
            auto list =
                txn.prepare("SELECT id, name, COALESCE(parent, '') FROM groups ORDER BY id");
            if (!list) return list.status();
            return each_row(*list, [&](sqlite::Statement& row) {
                groups.push_back(GroupInfo{row.text(0), row.text(1), row.text(2)});
            });
        });
}

void SqliteDirectory::put_member(std::string group, std::string user, Role role, std::string name,
                                 Done<Unit> done) {
    write_unit(
        db_, std::move(done),
        [group = std::move(group), user = std::move(user), role,
         name = std::move(name)](sqlite::Transaction& txn) -> Status {
            if (user.empty()) return {errc::invalid_argument, "user id is empty"};
            if (role == Role::none) {
                return {errc::invalid_argument, "role must be member or coordinator"};
            }
            if (auto status = require_group(txn, group); !status) return status;
            // An empty name keeps the one already recorded.
            auto upsert = txn.prepare(
                "INSERT INTO members (group_id, user_id, role, name) VALUES (?1, ?2, ?3, ?4) "
                "ON CONFLICT (group_id, user_id) DO UPDATE SET role = excluded.role, "
                "name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END");
            if (!upsert) return upsert.status();
            upsert->bind_text(1, group).bind_text(2, user).bind_text(3, role_name(role));
            upsert->bind_text(4, name);
            return upsert->run();
        });
}

void SqliteDirectory::remove_member(std::string group, std::string user, Done<Unit> done) {
    write_unit(
        db_, std::move(done),
        [group = std::move(group), user = std::move(user)](sqlite::Transaction& txn) -> Status {
            auto remove = txn.prepare("DELETE FROM members WHERE group_id = ?1 AND user_id = ?2");
            if (!remove) return remove.status();
            remove->bind_text(1, group).bind_text(2, user);
            if (auto status = remove->run(); !status) return status;
            if (txn.db().changes() == 0) {
                return {errc::not_found, user + " is not a member of " + group};
            }
            return ok_status();
        });
}

void SqliteDirectory::memberships_of(std::string user, Done<std::vector<Membership>> done) {
    read_value<std::vector<Membership>>(
        db_, std::move(done),
        [user = std::move(user)](sqlite::Transaction& txn, std::vector<Membership>& out) -> Status {
            auto list = txn.prepare(
                "SELECT group_id, role FROM members WHERE user_id = ?1 ORDER BY group_id");
            if (!list) return list.status();
            list->bind_text(1, user);
            return each_row(*list, [&](sqlite::Statement& row) {
                out.push_back(Membership{row.text(0), role_of(row.text(1))});
            });
        });
}

void SqliteDirectory::memberships_of_users(std::vector<std::string> users,
                                           Done<MembershipLists> done) {
    read_value<MembershipLists>(
        db_, std::move(done),
        [users = std::move(users)](sqlite::Transaction& txn, MembershipLists& out) -> Status {
            out.reserve(users.size());
            for (const auto& user : users) {
                // Prepared per user: a cached statement is reset when its handle goes.
                auto list = txn.prepare(
                    "SELECT group_id, role FROM members WHERE user_id = ?1 ORDER BY group_id");
                if (!list) return list.status();
                std::vector<Membership> memberships;
                list->bind_text(1, user);
                auto status = each_row(*list, [&](sqlite::Statement& row) {
                    memberships.push_back(Membership{row.text(0), role_of(row.text(1))});
                });
                if (!status) return status;
                out.emplace_back(std::move(memberships));
            }
            return ok_status();
        });
}

void SqliteDirectory::profile_of(std::string user, Done<UserProfile> done) {
    read_value<UserProfile>(
        db_, std::move(done),
        [user = std::move(user)](sqlite::Transaction& txn, UserProfile& out) -> Status {
            auto list = txn.prepare(
                "SELECT group_id, role, name FROM members WHERE user_id = ?1 ORDER BY group_id");
            if (!list) return list.status();
            list->bind_text(1, user);
            return each_row(*list, [&](sqlite::Statement& row) {
                out.memberships.push_back(Membership{row.text(0), role_of(row.text(1))});
                if (out.name.empty()) out.name = row.text(2);
            });
        });
}

void SqliteDirectory::members_of(std::string group, Done<std::vector<MemberInfo>> done) {
    read_value<std::vector<MemberInfo>>(
        db_, std::move(done),
        [group = std::move(group)](sqlite::Transaction& txn,
                                   std::vector<MemberInfo>& out) -> Status {
            if (auto status = require_group(txn, group); !status) return status;
            auto list = txn.prepare(
                "SELECT m.user_id, m.role, "
                "CASE WHEN m.name <> '' THEN m.name ELSE COALESCE(u.name, '') END "
                "FROM members m LEFT JOIN users u ON u.id = m.user_id "
                "WHERE m.group_id = ?1 ORDER BY m.user_id");
            if (!list) return list.status();
            list->bind_text(1, group);
            return each_row(*list, [&](sqlite::Statement& row) {
                out.push_back(MemberInfo{row.text(0), role_of(row.text(1)), row.text(2)});
            });
        });
}

void SqliteDirectory::remember_user(std::string user, std::string name) {
    if (user.empty()) return;
    // Nobody waits for this; a name that did not change writes no page (the WHERE).
    db_.write(
        [user = std::move(user), name = std::move(name)](sqlite::Transaction& txn) -> Status {
            auto upsert = txn.prepare(
                "INSERT INTO users (id, name) VALUES (?1, ?2) "
                "ON CONFLICT (id) DO UPDATE SET name = excluded.name WHERE name <> excluded.name");
            if (!upsert) return upsert.status();
            upsert->bind_text(1, user).bind_text(2, name);
            return upsert->run();
        },
        [](const Status& status) {
            MUSTER_LOG_DEBUG("store") << "remember_user dropped: " << status.message();
        });
}

}  // namespace muster::store
