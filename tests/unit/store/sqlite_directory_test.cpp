#include "store/sqlite/sqlite_directory.hpp"

#include <gtest/gtest.h>

#include "bus/local_bus.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "unit/store/store_test_util.hpp"

namespace muster::store {
namespace {

using test::wait_for;

class SqliteDirectoryTest : public ::testing::Test {
  protected:
    void SetUp() override {
        config_.server.data_dir = dir_.path();
        store_ = std::make_unique<SqliteStore>(config_, bus_, clock_);
    }

    Directory& directory() { return store_->directory(); }

    Status put_group(const std::string& id, const std::string& parent,
                     const std::string& name = {}) {
        return wait_for<Unit>([&](const Done<Unit>& d) {
                   directory().put_group(GroupInfo{id, name.empty() ? id : name, parent}, d);
               })
            .status();
    }
    Status put_member(const std::string& group, const std::string& user, Role role,
                      const std::string& name = {}) {
        return wait_for<Unit>(
                   [&](const Done<Unit>& d) { directory().put_member(group, user, role, name, d); })
            .status();
    }
    Status remove_member(const std::string& group, const std::string& user) {
        return wait_for<Unit>(
                   [&](const Done<Unit>& d) { directory().remove_member(group, user, d); })
            .status();
    }
    std::vector<GroupInfo> groups() {
        auto list = wait_for<std::vector<GroupInfo>>([&](auto d) { directory().list_groups(d); });
        EXPECT_TRUE(list.ok());
        return list.ok() ? *list : std::vector<GroupInfo>{};
    }
    std::string parent_of(const std::string& id) {
        for (const auto& g : groups()) {
            if (g.id == id) return g.parent;
        }
        return "<missing>";
    }

    test::TempDir dir_;
    ManualClock clock_{1'700'000'000'000};
    bus::LocalBus bus_;
    Config config_;
    std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteDirectoryTest, builds_a_tree_and_refuses_missing_parents_and_cycles) {
    ASSERT_TRUE(put_group("district", "").ok());
    ASSERT_TRUE(put_group("area-1", "district").ok());
    ASSERT_TRUE(put_group("area-2", "district").ok());
    ASSERT_TRUE(put_group("building-7", "area-1").ok());

    auto missing = put_group("team", "no-such-parent");
    EXPECT_EQ(missing.code(), errc::not_found);
    EXPECT_EQ(missing.message(), "no such group: no-such-parent");

    EXPECT_EQ(put_group("area-1", "area-1").code(), errc::invalid_argument);
    EXPECT_EQ(put_group("district", "building-7").code(), errc::invalid_argument);  // a cycle
    EXPECT_EQ(put_group("area-1", "building-7").code(), errc::invalid_argument);    // a cycle
    EXPECT_EQ(put_group("", "").code(), errc::invalid_argument);

    // A legal move and a rename.
    ASSERT_TRUE(put_group("building-7", "area-2", "Building 7").ok());
    ASSERT_TRUE(put_group("area-1", "area-2").ok());  // area-1 no longer holds building-7

    auto list = groups();
    ASSERT_EQ(list.size(), 4U);  // ordered by id; refused groups were not created
    EXPECT_EQ(list[0].id, "area-1");
    EXPECT_EQ(list[0].parent, "area-2");
    EXPECT_EQ(list[1].id, "area-2");
    EXPECT_EQ(list[1].parent, "district");
    EXPECT_EQ(list[2].id, "building-7");
    EXPECT_EQ(list[2].name, "Building 7");
    EXPECT_EQ(list[2].parent, "area-2");
    EXPECT_EQ(list[3].id, "district");
    EXPECT_EQ(list[3].parent, "");

    // Back to a root.
    ASSERT_TRUE(put_group("area-1", "").ok());
    EXPECT_EQ(parent_of("area-1"), "");
}

TEST_F(SqliteDirectoryTest, many_users_memberships_come_in_one_read_in_the_order_asked) {
    ASSERT_TRUE(put_group("g", "").ok());
    ASSERT_TRUE(put_group("h", "").ok());
    ASSERT_TRUE(put_member("g", "u1", Role::member).ok());
    ASSERT_TRUE(put_member("h", "u1", Role::coordinator).ok());
    ASSERT_TRUE(put_member("h", "u2", Role::member).ok());
    auto lists = wait_for<Directory::MembershipLists>([&](auto d) {
        directory().memberships_of_users({"u2", "nobody", "u1", "u2"}, d);
    });
    ASSERT_TRUE(lists.ok()) << lists.status().message();
    ASSERT_EQ(lists->size(), 4U);
    auto groups_of = [](const Result<std::vector<Membership>>& memberships) {
        std::vector<std::string> out;
        if (!memberships) return std::vector<std::string>{"failed"};
        for (const auto& m : *memberships)
            out.push_back(m.group + ":" + std::string(role_name(m.role)));
        return out;
    };
    EXPECT_EQ(groups_of((*lists)[0]), std::vector<std::string>{"h:member"});
    EXPECT_EQ(groups_of((*lists)[1]), std::vector<std::string>{});
    EXPECT_EQ(groups_of((*lists)[2]), (std::vector<std::string>{"g:member", "h:coordinator"}));
    EXPECT_EQ(groups_of((*lists)[3]), std::vector<std::string>{"h:member"});
    auto none = wait_for<Directory::MembershipLists>(
        [&](auto d) { directory().memberships_of_users({}, d); });
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty());
}

TEST_F(SqliteDirectoryTest, members_are_put_changed_listed_and_removed) {
    ASSERT_TRUE(put_group("g", "").ok());
    ASSERT_TRUE(put_group("h", "").ok());
    EXPECT_EQ(put_member("nope", "u1", Role::member).code(), errc::not_found);
    EXPECT_EQ(put_member("g", "u1", Role::none).code(), errc::invalid_argument);

    ASSERT_TRUE(put_member("g", "u1", Role::member, "Li Wei").ok());
    ASSERT_TRUE(put_member("g", "u2", Role::coordinator).ok());
    ASSERT_TRUE(put_member("h", "u1", Role::coordinator).ok());
    // u2 connected with a name; u1's membership name wins over the one u1 connected with.
    directory().remember_user("u2", "Wang Fang");
    directory().remember_user("u1", "Connected Name");
    // A role change with no name keeps the name.
    ASSERT_TRUE(put_member("g", "u1", Role::coordinator).ok());

    auto members =
        wait_for<std::vector<MemberInfo>>([&](auto d) { directory().members_of("g", d); });
    ASSERT_TRUE(members.ok());
    ASSERT_EQ(members->size(), 2U);
    EXPECT_EQ((*members)[0].user, "u1");
    EXPECT_EQ((*members)[0].role, Role::coordinator);
    EXPECT_EQ((*members)[0].name, "Li Wei");
    EXPECT_EQ((*members)[1].user, "u2");
    EXPECT_EQ((*members)[1].role, Role::coordinator);
    EXPECT_EQ((*members)[1].name, "Wang Fang");

    auto of_u1 =
        wait_for<std::vector<Membership>>([&](auto d) { directory().memberships_of("u1", d); });
    ASSERT_TRUE(of_u1.ok());
    ASSERT_EQ(of_u1->size(), 2U);
    EXPECT_EQ((*of_u1)[0].group, "g");
    EXPECT_EQ((*of_u1)[0].role, Role::coordinator);
    EXPECT_EQ((*of_u1)[1].group, "h");

    ASSERT_TRUE(remove_member("g", "u1").ok());
    EXPECT_EQ(remove_member("g", "u1").code(), errc::not_found);
    of_u1 = wait_for<std::vector<Membership>>([&](auto d) { directory().memberships_of("u1", d); });
    ASSERT_TRUE(of_u1.ok());
    ASSERT_EQ(of_u1->size(), 1U);
    EXPECT_EQ((*of_u1)[0].group, "h");

    auto of_nobody =
        wait_for<std::vector<Membership>>([&](auto d) { directory().memberships_of("nobody", d); });
    ASSERT_TRUE(of_nobody.ok());
    EXPECT_TRUE(of_nobody->empty());
    auto of_no_group =
        wait_for<std::vector<MemberInfo>>([&](auto d) { directory().members_of("nope", d); });
    EXPECT_EQ(of_no_group.status().code(), errc::not_found);
}

TEST(SqliteDirectoryRoles, names_round_trip) {
    for (Role role : {Role::none, Role::member, Role::coordinator}) {
        Role parsed = Role::member;
        ASSERT_TRUE(parse_role(role_name(role), parsed));
        EXPECT_EQ(parsed, role);
    }
    EXPECT_EQ(role_name(Role::coordinator), "coordinator");
    Role unchanged = Role::member;
    EXPECT_FALSE(parse_role("admin", unchanged));
    EXPECT_EQ(unchanged, Role::member);
}

}  // namespace
}  // namespace muster::store
