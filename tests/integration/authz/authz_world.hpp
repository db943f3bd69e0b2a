#pragma once
// The authorization matrix (ws_matrix_test.cpp, http_matrix_test.cpp): who may do what. One
// musterd per test (on each backend, a manual clock), this organisation:
//
//   district            district_lead: coordinator          ("coordinator of a parent group")
//   └── branch          secretary: coordinator (hosts every meeting of the tests), member,
//                       helper (a second member: the other participant, the other device owner)
//   other               outsider: member                    ("member of another group")
//   admin               no membership, the token's role `admin`
//
// and the eight columns of every table, in this order (`Who`): no token, an expired token, a
// token signed with another secret (both for user `member`, who would be allowed), then the five
// users above. Each cell of a table runs on fresh targets (a new meeting, duty call, device ...)
// made by the row's own set-up, so that no cell depends on what another did.
//
// Adding a row: a command or route whose name is missing from a table fails the completeness
// test of that table (ClientFrame fields from the descriptor; routes from every
// `.add("METHOD", "/path"` in server/), naming what to add.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "muster/token.hpp"
#include "support/backend.hpp"
#include "support/harness.hpp"

namespace muster::test::authz {

namespace v1 = muster::v1;

enum class Who : std::uint8_t {
    no_token,
    expired,
    bad_signature,
    outsider,
    member,
    parent_coordinator,
    coordinator,
    admin,
};
inline constexpr std::size_t columns = 8;
inline constexpr std::array<Who, columns> everyone{
    Who::no_token,           Who::expired,     Who::bad_signature, Who::outsider, Who::member,
    Who::parent_coordinator, Who::coordinator, Who::admin};

inline std::string_view who_name(Who who) {
    constexpr std::array<std::string_view, columns> names{
        "no token",        "expired token",
        "wrong signature", "member of another group",
        "member",          "coordinator of the parent group",
        "coordinator",     "admin"};
    return names[static_cast<std::size_t>(who)];
}

// The user each column acts as (the three refused tokens are `member`'s).
inline std::string user_of(Who who) {
    switch (who) {
        case Who::outsider:
            return "outsider";
        case Who::parent_coordinator:
            return "district_lead";
        case Who::coordinator:
            return "secretary";
        case Who::admin:
            return "admin";
        default:
            return "member";
    }
}

inline bool authenticated(Who who) {
    return who != Who::no_token && who != Who::expired && who != Who::bad_signature;
}

class AuthzTest : public testing::TestWithParam<Backend> {
  protected:
    void SetUp() override {
        ServerOptions options;
        // The set-up sends hundreds of commands on one connection: no rate limit in the way.
        options.args = {"--debug.manual_clock=true", "--limits.commands_per_second=100000",
                        "--limits.command_burst=100000",
                        // Devices point at an http:// loopback address nothing listens on.
                        "--push.allow_http_endpoints=true", "--push.worker=false"};
        node_ = std::make_unique<NodeUnderTest>(GetParam(), std::move(options));
        ASSERT_TRUE(node_->start());
        create_group(server(), "district", "街道");
        create_group(server(), "branch", "第一党支部", "district");
        create_group(server(), "other", "社区服务队");
        add_member(server(), "district", "district_lead", "coordinator", "街道书记");
        add_member(server(), "branch", "secretary", "coordinator", "支部书记");
        add_member(server(), "branch", "member", "member", "党员");
        add_member(server(), "branch", "helper", "member", "志愿者");
        add_member(server(), "other", "outsider", "member", "队员");
        host_ = std::make_unique<TestClient>(TestClient::connect(server(), "secretary"));
        helper_ = std::make_unique<TestClient>(TestClient::connect(server(), "helper"));
    }

    ServerProcess& server() { return node_->server(); }

    // The token a column presents ("" for no token).
    std::string token_of(Who who) {
        switch (who) {
            case Who::no_token:
                return {};
            case Who::expired: {
                client::TokenSpec spec{.user = "member"};
                spec.expires_at_s = std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count() -
                                    3600;
                return server().token(spec);
            }
            case Who::bad_signature:
                return client::mint_token({.user = "member"},
                                          "another-secret-that-musterd-does-not-know");
            case Who::admin:
                return server().admin_token();
            default:
                return server().token(user_of(who));
        }
    }

    // The server's (manual) clock.
    std::int64_t now_ms() {
        const auto response = admin_http(server(), "POST", "/api/v1/debug/clock?advance_ms=0");
        EXPECT_EQ(response.status, 200) << response.body;
        const auto at = response.body.find("\"nowMs\":\"");
        return at == std::string::npos ? 0 : std::stoll(response.body.substr(at + 9));
    }

    // ---- fresh targets: each cell gets its own -------------------------------------------------

    // A meeting of `branch`, hosted by the coordinator (secretary), not started.
    std::string scheduled_meeting() {
        v1::ClientFrame frame;
        auto* schedule = frame.mutable_meeting_schedule();
        schedule->set_group("branch");
        schedule->set_title("主题党日");
        schedule->add_agenda("学习");
        schedule->add_agenda("讨论");
        return host_->expect_reply<v1::MeetingScheduleReply>(frame).meeting_id();
    }
    // The same, started; `helper` has joined.
    std::string live_meeting() {
        const std::string id = scheduled_meeting();
        meeting_command(*host_, &v1::ClientFrame::mutable_meeting_start, id);
        meeting_command(*helper_, &v1::ClientFrame::mutable_meeting_join, id);
        return id;
    }
    // A meeting command that must succeed (set-up).
    template <class Field>
    static v1::MeetingReply meeting_command(TestClient& client, Field field,
                                            const std::string& meeting) {
        v1::ClientFrame frame;
        (frame.*field)()->set_meeting_id(meeting);
        return client.expect_reply<v1::MeetingReply>(frame);
    }
    // The host opens a roll call in a live meeting.
    void open_roll_call(const std::string& meeting) {
        v1::ClientFrame frame;
        frame.mutable_meeting_roll_call()->set_meeting_id(meeting);
        (void)host_->expect_reply<v1::MeetingReply>(frame);
    }
    // `helper` raises a hand.
    void helper_raises_hand(const std::string& meeting) {
        meeting_command(*helper_, &v1::ClientFrame::mutable_meeting_raise_hand, meeting);
    }

    // An open duty call in `branch` from the coordinator, with room for everyone.
    std::string open_call() {
        const std::string body =
            R"({"group":"branch","title":"周末值班","slots":50,"deadlineMs":")" +
            std::to_string(now_ms() + 3'600'000) + "\"}";
        const auto response =
            http_call(server(), "POST", "/api/v1/duty-calls", body, server().token("secretary"));
        EXPECT_EQ(response.status, 201) << response.body;
        const auto at = response.body.find("\"callId\":\"");
        if (at == std::string::npos) return "no-call";
        const auto from = at + 10;
        return response.body.substr(from, response.body.find('"', from) - from);
    }

    // A new id for whatever a cell creates.
    std::string fresh(std::string_view prefix) {
        return std::string(prefix) + "-" + std::to_string(++serial_);
    }

    std::unique_ptr<NodeUnderTest> node_;
    std::unique_ptr<TestClient> host_;    // secretary, the coordinator who hosts the meetings
    std::unique_ptr<TestClient> helper_;  // a second member of branch
    int serial_ = 0;
};

}  // namespace muster::test::authz
