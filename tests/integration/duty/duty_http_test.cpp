// The rest of the HTTP surface of duty calls and push targets: answering and closing for a
// user, listing a subtree, registering devices.

#include "duty_fixture.hpp"
#include "muster/v1/api.pb.h"

namespace muster::test {
namespace {

class DutyHttpTest : public DutyTest {};

TEST_P(DutyHttpTest, answer_close_and_list_over_http) {
    start();
    const auto made = http_call(server(), "POST", "/api/v1/duty-calls",
                                client::to_json(create_frame("chonghua", 2).duty_create()),
                                server().token("wangxg"));
    ASSERT_EQ(made.status, 201) << made.body;
    v1::DutyCreateReply created;
    ASSERT_TRUE(client::from_json(made.body, created));
    const std::string base = "/api/v1/duty-calls/" + created.call_id();

    const auto answered =
        http_call(server(), "POST", base + "/responses", R"({"answer":"ACCEPT","note":"by SMS"})",
                  server().token("liming"));
    ASSERT_EQ(answered.status, 200) << answered.body;
    v1::DutyRespondReply reply;
    ASSERT_TRUE(client::from_json(answered.body, reply));
    EXPECT_EQ(reply.tally().accepted(), 1U);
    EXPECT_EQ(reply.seq(), 2U);
    EXPECT_EQ(http_call(server(), "POST", base + "/responses", R"({"answer":"ACCEPT"})",
                        server().token("chenwei"))
                  .status,
              403);

    // Listing a subtree is for coordinators; the call shows up under the parent.
    const auto subtree = http_call(server(), "GET", "/api/v1/duty-calls?group=areas&subtree=true",
                                   {}, server().token("wangxg"));
    ASSERT_EQ(subtree.status, 200) << subtree.body;
    v1::DutyCallList list;
    ASSERT_TRUE(client::from_json(subtree.body, list));
    ASSERT_EQ(list.calls_size(), 1);
    EXPECT_EQ(list.calls(0).call().call_id(), created.call_id());
    EXPECT_EQ(list.calls(0).responses_size(), 0);  // lists carry tallies, not responses
    EXPECT_EQ(http_call(server(), "GET", "/api/v1/duty-calls?group=chonghua&subtree=true", {},
                        server().token("liming"))
                  .status,
              403);
    // Without a group: the caller's own groups.
    const auto mine =
        http_call(server(), "GET", "/api/v1/duty-calls", {}, server().token("liming"));
    ASSERT_TRUE(client::from_json(mine.body, list));
    EXPECT_EQ(list.calls_size(), 1);
    const auto none =
        http_call(server(), "GET", "/api/v1/duty-calls", {}, server().token("liuyang"));
    EXPECT_EQ(none.body, R"({"calls":[]})");

    EXPECT_EQ(
        http_call(server(), "POST", base + "/close", R"({"reason":"x"})", server().token("liming"))
            .status,
        403);
    const auto closed = http_call(server(), "POST", base + "/close", R"({"cancel":true})",
                                  server().token("wangxg"));
    ASSERT_EQ(closed.status, 200) << closed.body;
    EXPECT_NE(closed.body.find(R"("state":"CANCELLED")"), std::string::npos) << closed.body;
    EXPECT_EQ(http_call(server(), "POST", base + "/close", "{}", server().token("wangxg")).status,
              409);
}

TEST_P(DutyHttpTest, devices_are_registered_replaced_and_removed_for_the_token_user) {
    start();
    const std::string spec =
        R"({"kind":"webpush","endpoint":"https://push.example/abc","p256dh":"BNc-x_1","auth":"k9_Q"})";
    const auto token = server().token("liming");
    const auto created = http_call(server(), "PUT", "/api/v1/devices/phone", spec, token);
    ASSERT_EQ(created.status, 201) << created.body;
    v1::Device device;
    ASSERT_TRUE(client::from_json(created.body, device));
    EXPECT_EQ(device.user(), "liming");
    EXPECT_EQ(device.kind(), "webpush");
    const auto replaced =
        http_call(server(), "PUT", "/api/v1/devices/phone",
                  R"({"kind":"webhook","endpoint":"https://10.0.0.1/hook","secret":"k"})", token);
    ASSERT_EQ(replaced.status, 200) << replaced.body;
    v1::Device again;
    ASSERT_TRUE(client::from_json(replaced.body, again));
    EXPECT_EQ(again.created_ms(), device.created_ms());

    for (const auto* bad :
         {R"({"kind":"fax","endpoint":"https://x"})",
          R"({"kind":"webpush","endpoint":"http://push.example/abc","p256dh":"a","auth":"b"})",
          R"({"kind":"webpush","endpoint":"https://push.example/abc"})",
          R"({"kind":"webhook","endpoint":"ftp://x"})", R"({"kind":5})"}) {
        EXPECT_EQ(http_call(server(), "PUT", "/api/v1/devices/other", bad, token).status, 400)
            << bad;
    }
    // Someone else's device of the same id is another device.
    EXPECT_EQ(
        http_call(server(), "DELETE", "/api/v1/devices/phone", {}, server().token("heping")).status,
        404);
    EXPECT_EQ(http_call(server(), "DELETE", "/api/v1/devices/phone", {}, token).status, 204);
    EXPECT_EQ(http_call(server(), "DELETE", "/api/v1/devices/phone", {}, token).status, 404);
    EXPECT_EQ(http_call(server(), "GET", "/api/v1/push/outbox", {}, token).status, 403);
}

INSTANTIATE_TEST_SUITE_P(Backends, DutyHttpTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test
