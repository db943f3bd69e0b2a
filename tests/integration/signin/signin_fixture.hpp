#pragma once
// Sign-in tests: one musterd per test on the backend it is given (SQLite, Redis), a group
// "g1" with coordinator "coord", and helpers for the sign-in routes.

#include <memory>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "support/backend.hpp"
#include "support/harness.hpp"

namespace muster::test {

namespace v1 = muster::v1;
namespace json = boost::json;

inline json::object parse_object(const std::string& body) {
    boost::system::error_code ec;
    json::value value = json::parse(body, ec);
    if (ec || !value.is_object()) return {};
    return value.as_object();
}

inline std::string text_of(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

struct Redeemed {
    int status = 0;
    std::string user;
    std::string session;
    std::string access;
    std::string refresh;
    std::string body;
};

inline Redeemed redeemed_from(const client::HttpResponse& response) {
    Redeemed out;
    out.status = response.status;
    out.body = response.body;
    const auto o = parse_object(response.body);
    out.user = text_of(o, "userId");
    out.session = text_of(o, "sessionId");
    out.access = text_of(o, "accessToken");
    out.refresh = text_of(o, "refreshToken");
    return out;
}

inline std::string invitation_body(const std::string& group, int max_uses,
                                   const std::string& role = "member", int expires_in_s = 3600,
                                   const std::string& note = {}) {
    return json::serialize(json::object{{"group", group},
                                        {"role", role},
                                        {"maxUses", max_uses},
                                        {"expiresInS", expires_in_s},
                                        {"note", note}});
}

inline std::string redeem_body(const std::string& code, const std::string& name,
                               const std::string& device = "phone") {
    return json::serialize(json::object{{"code", code}, {"name", name}, {"deviceName", device}});
}

inline std::string refresh_body(const std::string& token) {
    return json::serialize(json::object{{"refreshToken", token}});
}

// The invitation object of a 201, with the test ended when it is not one.
inline json::object created_invitation(const client::HttpResponse& response) {
    EXPECT_EQ(response.status, 201) << response.body;
    const auto o = parse_object(response.body);
    const auto* invitation = o.if_contains("invitation");
    if (invitation == nullptr || !invitation->is_object()) {
        ADD_FAILURE() << "no invitation in " << response.body;
        return {};
    }
    return invitation->as_object();
}

class SigninTest : public testing::TestWithParam<Backend> {
  protected:
    void start(std::vector<std::string> args = {}) {
        ServerOptions options;
        options.args = std::move(args);
        node_ = std::make_unique<NodeUnderTest>(GetParam(), std::move(options));
        ASSERT_TRUE(node_->start());
        create_group(server(), "g1");
        add_member(server(), "g1", "coord", "coordinator");
    }
    ServerProcess& server() { return node_->server(); }

    // POST /api/v1/invitations as `user` (a token of the server's secret).
    client::HttpResponse invite(const std::string& user, const std::string& body) {
        return http_call(server(), "POST", "/api/v1/invitations", body, server().token(user));
    }
    // An invitation to g1 made by coord: its code.
    std::string code_for(int max_uses, int expires_in_s = 3600) {
        const auto invitation = created_invitation(
            invite("coord", invitation_body("g1", max_uses, "member", expires_in_s)));
        return text_of(invitation, "code");
    }
    Redeemed redeem(const std::string& code, const std::string& name,
                    const std::string& bearer = {}) {
        return redeemed_from(
            http_call(server(), "POST", "/api/v1/auth/redeem", redeem_body(code, name), bearer));
    }
    client::HttpResponse refresh(const std::string& token) {
        return http_call(server(), "POST", "/api/v1/auth/refresh", refresh_body(token));
    }

    std::unique_ptr<NodeUnderTest> node_;
};

}  // namespace muster::test
