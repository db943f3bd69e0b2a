// Who may use each sign-in route: a member of the group, a coordinator of another group, the
// group's coordinator, an admin, and the user whose sessions they are.

#include "signin_fixture.hpp"

namespace muster::test {
namespace {

class SigninAuthzTest : public SigninTest {
  protected:
    void SetUp() override {
        start();
        add_member(server(), "g1", "member");
        create_group(server(), "g2");
        add_member(server(), "g2", "coord2", "coordinator");
    }
    int status(const std::string& method, const std::string& target, const std::string& token,
               const std::string& body = {}) {
        return http_call(server(), method, target, body, token).status;
    }
    std::string member() { return server().token("member"); }
    std::string other_coordinator() { return server().token("coord2"); }
    std::string coordinator() { return server().token("coord"); }
    std::string admin() { return server().admin_token(); }
};

TEST_P(SigninAuthzTest, invitations_are_for_the_groups_coordinators_and_admins) {
    const std::string body = invitation_body("g1", 3);
    EXPECT_EQ(status("POST", "/api/v1/invitations", member(), body), 403);
    EXPECT_EQ(status("POST", "/api/v1/invitations", other_coordinator(), body), 403);
    EXPECT_EQ(status("POST", "/api/v1/invitations", "", body), 401);
    EXPECT_EQ(status("POST", "/api/v1/invitations", admin(), body), 201);
    EXPECT_EQ(status("POST", "/api/v1/invitations", coordinator(), invitation_body("nope", 3)),
              404);
    EXPECT_EQ(status("POST", "/api/v1/invitations", coordinator(), invitation_body("g1", 0)), 400);
    EXPECT_EQ(
        status("POST", "/api/v1/invitations", coordinator(), invitation_body("g1", 1, "owner")),
        400);
    const auto invitation = created_invitation(invite("coord", body));
    const std::string id = text_of(invitation, "id");

    EXPECT_EQ(status("GET", "/api/v1/invitations?group=g1", member()), 403);
    EXPECT_EQ(status("GET", "/api/v1/invitations?group=g1", other_coordinator()), 403);
    const auto listed = http_call(server(), "GET", "/api/v1/invitations?group=g1", {}, admin());
    EXPECT_EQ(listed.status, 200);
    EXPECT_NE(listed.body.find(id), std::string::npos);

    const std::string qr = "/api/v1/invitations/" + id + "/qr.svg";
    EXPECT_EQ(status("GET", qr, member()), 403);
    EXPECT_EQ(status("GET", qr, other_coordinator()), 403);
    const auto svg = http_call(server(), "GET", qr, {}, coordinator());
    EXPECT_EQ(svg.status, 200);
    EXPECT_EQ(svg.content_type, "image/svg+xml");
    EXPECT_EQ(svg.body.rfind("<?xml", 0), 0U);
    EXPECT_NE(svg.body.find("<path"), std::string::npos);
    EXPECT_EQ(status("GET", "/api/v1/invitations/iv_unknown/qr.svg", coordinator()), 404);

    EXPECT_EQ(status("DELETE", "/api/v1/invitations/" + id, member()), 403);
    EXPECT_EQ(status("DELETE", "/api/v1/invitations/" + id, other_coordinator()), 403);
    EXPECT_EQ(status("DELETE", "/api/v1/invitations/" + id, coordinator()), 204);
    EXPECT_EQ(status("DELETE", "/api/v1/invitations/iv_unknown", coordinator()), 404);
}

TEST_P(SigninAuthzTest, sessions_are_for_the_user_admins_and_coordinators_of_the_users_groups) {
    const Redeemed li = redeem(code_for(1), "李明");
    ASSERT_EQ(li.status, 201) << li.body;
    const std::string list = "/api/v1/auth/sessions?user=" + li.user;
    EXPECT_EQ(status("GET", list, member()), 403);
    EXPECT_EQ(status("GET", list, other_coordinator()), 403);
    EXPECT_EQ(status("GET", list, ""), 401);
    EXPECT_EQ(status("GET", list, coordinator()), 200);
    EXPECT_EQ(status("GET", list, admin()), 200);
    const auto own = http_call(server(), "GET", "/api/v1/auth/sessions", {}, li.access);
    EXPECT_EQ(own.status, 200);
    EXPECT_NE(own.body.find("\"current\":true"), std::string::npos) << own.body;

    // Someone who may not revoke hears what an unknown session gets.
    const std::string one = "/api/v1/auth/sessions/" + li.session;
    EXPECT_EQ(status("DELETE", one, member()), 404);
    EXPECT_EQ(status("DELETE", one, other_coordinator()), 404);
    EXPECT_EQ(status("DELETE", "/api/v1/auth/sessions/ds_unknown", admin()), 404);
    EXPECT_EQ(refresh(li.refresh).status, 200);  // still alive
    // The user signs their own device out.
    EXPECT_EQ(status("DELETE", one, li.access), 204);
}

TEST_P(SigninAuthzTest, refresh_and_redeem_refuse_malformed_requests) {
    EXPECT_EQ(http_call(server(), "POST", "/api/v1/auth/refresh", "not json").status, 400);
    EXPECT_EQ(refresh("").status, 401);
    EXPECT_EQ(refresh(std::string(500, 'a')).status, 401);
    EXPECT_EQ(http_call(server(), "POST", "/api/v1/auth/redeem", "[1]").status, 400);
    EXPECT_EQ(redeem(std::string(300, 'A'), "甲").status, 404);
    EXPECT_EQ(redeem("a/b", "甲").status, 404);
    EXPECT_EQ(redeem(code_for(1), "甲", "garbage").status, 401);
}

INSTANTIATE_TEST_SUITE_P(Backends, SigninAuthzTest, testing::ValuesIn(all_backends()),
                         backend_name);

}  // namespace
}  // namespace muster::test
