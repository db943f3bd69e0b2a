#pragma once
// Duty-call tests: one musterd per test on the backend given (embedded, or on Redis), on a
// manual clock (time moves by POST /api/v1/debug/clock only: expiry and reminders are driven,
// never waited for), with the push worker off (the tests read what the outbox holds), with a
// small organisation:
//
//   sd (zhouli: coordinator)
//   ├── areas (wangxg: coordinator)
//   │   ├── chonghua (liming, zhangfang, heping)
//   │   └── yanzhong (chenwei)
//   └── agency (liuyang)

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "muster/codec.hpp"
#include "support/backend.hpp"
#include "support/harness.hpp"

namespace muster::test {

namespace v1 = muster::v1;

class DutyTest : public testing::TestWithParam<Backend> {
  protected:
    void start(std::vector<std::string> args = {}) {
        ServerOptions options;
        options.args = {"--debug.manual_clock=true", "--push.worker=false"};
        options.args.insert(options.args.end(), args.begin(), args.end());
        node_ = std::make_unique<NodeUnderTest>(GetParam(), std::move(options));
        ASSERT_TRUE(node_->start());
        organise();
    }
    ServerProcess& server() { return node_->server(); }

    void organise() {
        create_group(server(), "sd", "Sub-district");
        create_group(server(), "areas", "Residential areas", "sd");
        create_group(server(), "chonghua", "Chonghua", "areas");
        create_group(server(), "yanzhong", "Yanzhong", "areas");
        create_group(server(), "agency", "Agency", "sd");
        add_member(server(), "sd", "zhouli", "coordinator");
        add_member(server(), "areas", "wangxg", "coordinator");
        for (const auto* user : {"liming", "zhangfang", "heping"})
            add_member(server(), "chonghua", user);
        add_member(server(), "yanzhong", "chenwei");
        add_member(server(), "agency", "liuyang");
    }

    // The server's clock (manual): moved by `ms`, returned.
    std::int64_t advance(std::int64_t ms) {
        const auto response =
            admin_http(server(), "POST", "/api/v1/debug/clock?advance_ms=" + std::to_string(ms));
        EXPECT_EQ(response.status, 200) << response.body;
        const auto at = response.body.find("\"nowMs\":\"");
        if (at == std::string::npos) return 0;
        return std::stoll(response.body.substr(at + 9));
    }
    std::int64_t server_now() { return advance(0); }

    // A call in `group`, starting in an hour, answers until then.
    v1::ClientFrame create_frame(const std::string& group, std::uint32_t slots,
                                 bool subgroups = false) {
        const std::int64_t now = server_now();
        v1::ClientFrame frame;
        auto* create = frame.mutable_duty_create();
        create->set_group(group);
        create->set_title("Gate duty");
        create->set_location("North gate");
        create->set_starts_at_ms(now + 3'600'000);
        create->set_ends_at_ms(now + 5 * 3'600'000);
        create->set_slots(slots);
        create->set_urgency(v1::DutyCall::URGENT);
        create->set_include_subgroups(subgroups);
        return frame;
    }

    static v1::ClientFrame respond_frame(const std::string& call, v1::DutyRespond::Answer answer,
                                         const std::string& note = {}) {
        v1::ClientFrame frame;
        auto* respond = frame.mutable_duty_respond();
        respond->set_call_id(call);
        respond->set_answer(answer);
        respond->set_note(note);
        return frame;
    }

    static v1::ClientFrame close_frame(const std::string& call, bool cancel = false,
                                       const std::string& reason = {}) {
        v1::ClientFrame frame;
        auto* close = frame.mutable_duty_close();
        close->set_call_id(call);
        close->set_cancel(cancel);
        close->set_reason(reason);
        return frame;
    }

    // GET /api/v1/duty-calls/{id} as `user`: must be 200 and parse.
    v1::DutyCallRecord record(const std::string& call, const std::string& user = "wangxg") {
        const auto response =
            http_call(server(), "GET", "/api/v1/duty-calls/" + call, {}, server().token(user));
        EXPECT_EQ(response.status, 200) << response.body;
        v1::DutyCallRecord out;
        EXPECT_TRUE(client::from_json(response.body, out)) << response.body;
        return out;
    }

    // The push intents waiting for `user` (GET /api/v1/push/outbox).
    std::vector<std::string> pushes_for(const std::string& user) {
        const auto response = admin_http(server(), "GET", "/api/v1/push/outbox?user=" + user);
        EXPECT_EQ(response.status, 200) << response.body;
        std::vector<std::string> types;  // data.type of each, in order
        for (std::size_t at = 0;
             (at = response.body.find("\"type\":\"", at)) != std::string::npos;) {
            at += 8;
            types.push_back(response.body.substr(at, response.body.find('"', at) - at));
        }
        return types;
    }

    // pushes_for(user) once it equals `expected`, or what it was at the deadline. On Redis the
    // intents reach the outbox in a step after the event that announced them, so a test that
    // saw the event asks until they are there.
    std::vector<std::string> pushes_become(const std::string& user,
                                           const std::vector<std::string>& expected) {
        const auto deadline = std::chrono::steady_clock::now() + default_wait;
        auto seen = pushes_for(user);
        while (seen != expected && std::chrono::steady_clock::now() < deadline) {
            seen = pushes_for(user);
        }
        return seen;
    }

    std::unique_ptr<NodeUnderTest> node_;
};

inline std::vector<std::string> list_of(const google::protobuf::RepeatedPtrField<std::string>& l) {
    return {l.begin(), l.end()};
}

}  // namespace muster::test
