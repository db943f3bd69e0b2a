#include "node/group_tree.hpp"

#include <gtest/gtest.h>

#include "node/caller.hpp"

namespace muster::node {
namespace {

using store::Role;

GroupTree sample_tree() {
    return GroupTree({{"njxl", "南京西路街道", ""},
                      {"chonghua", "重华居民区", "njxl"},
                      {"chonghua-b1", "重华 1号楼", "chonghua"},
                      {"yanzhong", "延中居民区", "njxl"},
                      {"other", "Other root", ""}});
}

Caller caller_with(Memberships memberships, std::vector<std::string> token_groups = {},
                   bool admin = false) {
    Caller caller;
    caller.claims.subject = "u";
    caller.claims.groups = std::move(token_groups);
    if (admin) caller.claims.roles = {"admin"};
    caller.memberships = std::make_shared<Memberships>(std::move(memberships));
    return caller;
}

TEST(GroupTree, ancestors_and_subtree) {
    const GroupTree tree = sample_tree();
    EXPECT_EQ(tree.ancestors("chonghua-b1"), (std::vector<std::string>{"chonghua", "njxl"}));
    EXPECT_EQ(tree.subtree("njxl"),
              (std::vector<std::string>{"njxl", "chonghua", "yanzhong", "chonghua-b1"}));
    EXPECT_TRUE(tree.subtree("missing").empty());
}

TEST(Caller, coordinator_of_a_group_coordinates_its_subtree_only) {
    const GroupTree tree = sample_tree();
    const Caller c = caller_with({{"chonghua", Role::coordinator}});
    EXPECT_EQ(effective_role(tree, c, "chonghua-b1"), Role::coordinator);
    EXPECT_EQ(effective_role(tree, c, "yanzhong"), Role::none);
    EXPECT_EQ(effective_role(tree, c, "njxl"), Role::none);
}

TEST(Caller, membership_is_not_inherited_but_token_groups_count) {
    const GroupTree tree = sample_tree();
    const Caller c = caller_with({{"njxl", Role::member}}, {"yanzhong"});
    EXPECT_EQ(effective_role(tree, c, "njxl"), Role::member);
    EXPECT_EQ(effective_role(tree, c, "chonghua"), Role::none);
    EXPECT_EQ(effective_role(tree, c, "yanzhong"), Role::member);
}

TEST(Caller, forbidden_for_existing_groups_not_found_for_others) {
    const GroupTree tree = sample_tree();
    const Caller c = caller_with({});
    EXPECT_EQ(require_role(tree, c, "chonghua", Role::member).code(), errc::forbidden);
    EXPECT_EQ(require_role(tree, c, "nowhere", Role::member).code(), errc::not_found);
    EXPECT_TRUE(require_role(tree, caller_with({}, {}, true), "other", Role::coordinator).ok());
}

}  // namespace
}  // namespace muster::node
