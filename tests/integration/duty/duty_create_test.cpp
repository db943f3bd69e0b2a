// Creating duty calls: who receives them (the target group, or its subtree, and nobody
// else), who may create them, and the errors for bad input.

#include "duty_fixture.hpp"

namespace muster::test {
namespace {

class DutyCreateTest : public DutyTest {};

TEST_P(DutyCreateTest, subtree_call_reaches_members_of_descendant_groups_only) {
    start();
    auto liming = TestClient::connect(server(), "liming");
    auto chenwei = TestClient::connect(server(), "chenwei");
    auto liuyang = TestClient::connect(server(), "liuyang");
    auto zhouli = TestClient::connect(server(), "zhouli");
    liming.subscribe("chonghua");
    chenwei.subscribe("yanzhong");
    liuyang.subscribe("agency");
    zhouli.subscribe("sd");  // the parent of the targeted subtree: not a target

    auto wangxg = TestClient::connect(server(), "wangxg");
    const auto created =
        wangxg.expect_reply<v1::DutyCreateReply>(create_frame("areas", 3, /*subgroups=*/true));
    EXPECT_EQ(created.call_id().substr(0, 3), "dc_");
    EXPECT_EQ(created.seq(), 1U);  // the first event of "areas"

    for (auto* member : {&liming, &chenwei}) {
        const auto event = member->next_log_event();
        ASSERT_TRUE(event.has_duty_call()) << client::to_json(event);
        const auto& call = event.duty_call();
        EXPECT_EQ(call.call_id(), created.call_id());
        EXPECT_EQ(call.group(), "areas");
        EXPECT_EQ(call.title(), "Gate duty");
        EXPECT_EQ(call.location(), "North gate");
        EXPECT_EQ(call.slots(), 3U);
        EXPECT_EQ(call.urgency(), v1::DutyCall::URGENT);
        EXPECT_EQ(call.state(), v1::DutyCall::OPEN);
        EXPECT_TRUE(call.include_subgroups());
        EXPECT_EQ(call.created_by(), "wangxg");
        EXPECT_EQ(call.deadline_ms(), call.starts_at_ms());  // no deadline given
        EXPECT_EQ(list_of(call.target_groups()),
                  (std::vector<std::string>{"areas", "chonghua", "yanzhong"}));
        EXPECT_EQ(event.sender(), "wangxg");
        EXPECT_EQ(event.seq(), 1U);
    }
    // Outside the subtree nothing arrived: the next event there is a marker published after.
    liuyang.expect_quiet(liuyang, "agency");
    zhouli.expect_quiet(zhouli, "sd");

    // Members of descendant groups may answer; members outside may not even look.
    liming.expect_reply<v1::DutyRespondReply>(
        respond_frame(created.call_id(), v1::DutyRespond::ACCEPT));
    chenwei.expect_reply<v1::DutyRespondReply>(
        respond_frame(created.call_id(), v1::DutyRespond::DECLINE));
    liuyang.expect_error(respond_frame(created.call_id(), v1::DutyRespond::ACCEPT),
                         v1::Error::FORBIDDEN);
    EXPECT_EQ(http_call(server(), "GET", "/api/v1/duty-calls/" + created.call_id(), {},
                        server().token("liuyang"))
                  .status,
              403);
    // The coordinator of the parent sees it (a coordinator of the subtree).
    EXPECT_EQ(record(created.call_id(), "zhouli").tally().accepted(), 1U);
}

TEST_P(DutyCreateTest, a_call_without_subgroups_stays_in_its_group) {
    start();
    auto liming = TestClient::connect(server(), "liming");
    auto chenwei = TestClient::connect(server(), "chenwei");
    liming.subscribe("chonghua");
    chenwei.subscribe("yanzhong");
    auto zhouli = TestClient::connect(server(), "zhouli");  // coordinator of an ancestor
    const auto created = zhouli.expect_reply<v1::DutyCreateReply>(create_frame("chonghua", 1));
    const auto event = liming.next_log_event();
    ASSERT_TRUE(event.has_duty_call());
    EXPECT_EQ(list_of(event.duty_call().target_groups()), std::vector<std::string>{"chonghua"});
    chenwei.expect_quiet(chenwei, "yanzhong");
    chenwei.expect_error(respond_frame(created.call_id(), v1::DutyRespond::ACCEPT),
                         v1::Error::FORBIDDEN);
}

TEST_P(DutyCreateTest, a_retried_create_with_the_same_client_msg_id_announces_one_call) {
    start();
    auto liming = TestClient::connect(server(), "liming");
    liming.subscribe("chonghua");
    v1::ClientFrame frame = create_frame("chonghua", 2);
    frame.mutable_duty_create()->set_client_msg_id("gate-2026-12-01");

    std::string first_id;
    std::uint64_t first_seq = 0;
    {
        auto wangxg = TestClient::connect(server(), "wangxg");
        const auto first = wangxg.expect_reply<v1::DutyCreateReply>(frame);
        EXPECT_FALSE(first.duplicate());
        first_id = first.call_id();
        first_seq = first.seq();
    }
    // The coordinator's phone lost the reply with the connection and sends it again.
    auto wangxg = TestClient::connect(server(), "wangxg");
    const auto retry = wangxg.expect_reply<v1::DutyCreateReply>(frame);
    EXPECT_TRUE(retry.duplicate());
    EXPECT_EQ(retry.call_id(), first_id);
    EXPECT_EQ(retry.seq(), first_seq);
    // Over HTTP too: 200 instead of 201, the same call.
    const auto again = http_call(server(), "POST", "/api/v1/duty-calls",
                                 client::to_json(frame.duty_create()), server().token("wangxg"));
    ASSERT_EQ(again.status, 200) << again.body;
    v1::DutyCreateReply over_http;
    ASSERT_TRUE(client::from_json(again.body, over_http));
    EXPECT_TRUE(over_http.duplicate());
    EXPECT_EQ(over_http.call_id(), first_id);

    // Members heard of it once.
    const auto announced = liming.next_log_event();
    ASSERT_TRUE(announced.has_duty_call());
    EXPECT_EQ(announced.duty_call().call_id(), first_id);
    liming.expect_quiet(liming, "chonghua");
    // The key is the creator's: another coordinator's call with the same key is a new one.
    auto zhouli = TestClient::connect(server(), "zhouli");
    const auto other = zhouli.expect_reply<v1::DutyCreateReply>(frame);
    EXPECT_FALSE(other.duplicate());
    EXPECT_NE(other.call_id(), first_id);
    // A key the protocol does not allow is refused.
    frame.mutable_duty_create()->set_client_msg_id("no spaces");
    wangxg.expect_error(frame, v1::Error::INVALID_ARGUMENT);
}

TEST_P(DutyCreateTest, only_coordinators_of_the_group_or_above_may_create_and_close) {
    start();
    auto liming = TestClient::connect(server(), "liming");
    auto wangxg = TestClient::connect(server(), "wangxg");
    auto error = liming.expect_error(create_frame("chonghua", 2), v1::Error::FORBIDDEN);
    EXPECT_NE(error.message().find("coordinator"), std::string::npos) << error.message();
    wangxg.expect_error(create_frame("agency", 2), v1::Error::FORBIDDEN);  // not his subtree
    wangxg.expect_error(create_frame("no-such-group", 2), v1::Error::NOT_FOUND);

    // Over HTTP the same rules, with the contract's statuses.
    const std::string body = client::to_json(create_frame("chonghua", 2).duty_create());
    EXPECT_EQ(
        http_call(server(), "POST", "/api/v1/duty-calls", body, server().token("liming")).status,
        403);
    const auto made =
        http_call(server(), "POST", "/api/v1/duty-calls", body, server().token("wangxg"));
    ASSERT_EQ(made.status, 201) << made.body;
    v1::DutyCreateReply reply;
    ASSERT_TRUE(client::from_json(made.body, reply));
    EXPECT_EQ(reply.seq(), 1U);
    EXPECT_NE(made.body.find("\"callId\":\"dc_"), std::string::npos) << made.body;

    // Closing: a member may not, the coordinator may, and only once.
    liming.expect_error(close_frame(reply.call_id()), v1::Error::FORBIDDEN);
    const auto closed = wangxg.expect_reply<v1::DutyCloseReply>(
        close_frame(reply.call_id(), /*cancel=*/true, "the gate is closed"));
    EXPECT_EQ(closed.tally().state(), v1::DutyCall::CANCELLED);
    EXPECT_EQ(closed.tally().reason(), "the gate is closed");
    EXPECT_EQ(closed.seq(), 2U);
    wangxg.expect_error(close_frame(reply.call_id()), v1::Error::CONFLICT);
    liming.expect_error(respond_frame(reply.call_id(), v1::DutyRespond::ACCEPT),
                        v1::Error::CONFLICT);
}

TEST_P(DutyCreateTest, bad_input_gets_clear_errors) {
    start();
    auto wangxg = TestClient::connect(server(), "wangxg");
    auto liming = TestClient::connect(server(), "liming");

    auto expect_create = [&](auto mutate, v1::Error::Code code, const std::string& words) {
        auto frame = create_frame("chonghua", 2);
        mutate(*frame.mutable_duty_create());
        const auto error = wangxg.expect_error(frame, code);
        EXPECT_NE(error.message().find(words), std::string::npos) << error.message();
    };
    expect_create([](v1::DutyCreate& c) { c.set_title(std::string(257, 't')); },
                  v1::Error::TOO_LARGE, "title");
    expect_create([](v1::DutyCreate& c) { c.clear_title(); }, v1::Error::INVALID_ARGUMENT, "title");
    expect_create([](v1::DutyCreate& c) { c.set_slots(0); }, v1::Error::INVALID_ARGUMENT, "slots");
    expect_create([](v1::DutyCreate& c) { c.set_slots(1'000'000); }, v1::Error::TOO_LARGE, "slots");
    expect_create([](v1::DutyCreate& c) { c.set_deadline_ms(1000); }, v1::Error::INVALID_ARGUMENT,
                  "past");
    expect_create([](v1::DutyCreate& c) { c.set_ends_at_ms(c.starts_at_ms() - 1); },
                  v1::Error::INVALID_ARGUMENT, "ends_at_ms");
    expect_create([](v1::DutyCreate& c) { c.set_group(""); }, v1::Error::INVALID_ARGUMENT, "group");

    // Unknown calls.
    liming.expect_error(respond_frame("dc_nope", v1::DutyRespond::ACCEPT), v1::Error::NOT_FOUND);
    wangxg.expect_error(close_frame("dc_nope"), v1::Error::NOT_FOUND);
    const auto missing =
        http_call(server(), "GET", "/api/v1/duty-calls/dc_nope", {}, server().token("wangxg"));
    EXPECT_EQ(missing.status, 404);
    EXPECT_NE(missing.body.find("NOT_FOUND"), std::string::npos) << missing.body;

    // Answers: a known answer, a note within bounds.
    const auto call = wangxg.expect_reply<v1::DutyCreateReply>(create_frame("chonghua", 2));
    liming.expect_error(respond_frame(call.call_id(), v1::DutyRespond::ANSWER_UNSPECIFIED),
                        v1::Error::INVALID_ARGUMENT);
    liming.expect_error(
        respond_frame(call.call_id(), v1::DutyRespond::ACCEPT, std::string(5000, 'n')),
        v1::Error::TOO_LARGE);

    // Wrong types: over HTTP a 400 naming the problem, over WebSocket a BAD_FRAME.
    const auto typed =
        http_call(server(), "POST", "/api/v1/duty-calls",
                  R"({"group":"chonghua","title":"x","slots":"many"})", server().token("wangxg"));
    EXPECT_EQ(typed.status, 400) << typed.body;
    EXPECT_NE(typed.body.find("INVALID_ARGUMENT"), std::string::npos) << typed.body;
    const auto oversize =
        http_call(server(), "POST", "/api/v1/duty-calls", client::to_json([&] {
                      auto frame = create_frame("chonghua", 2);
                      frame.mutable_duty_create()->set_title(std::string(300, 't'));
                      return frame.duty_create();
                  }()),
                  server().token("wangxg"));
    EXPECT_EQ(oversize.status, 413) << oversize.body;
    EXPECT_EQ(
        http_call(server(), "GET", "/api/v1/duty-calls?state=DONE", {}, server().token("wangxg"))
            .status,
        400);

    auto json = TestClient::connect(server(), "liming", {.encoding = client::Encoding::json});
    json.send_raw(R"({"id":9,"dutyRespond":{"callId":["not","a","string"],"answer":"ACCEPT"}})",
                  client::FrameType::text);
    auto push = json.session().next_push(default_wait);
    ASSERT_TRUE(push) << push.failure().describe();
    ASSERT_TRUE(push->has_error());
    EXPECT_EQ(push->error().code(), v1::Error::BAD_FRAME);
    // An enum value this server does not know is read as unset (clients may be newer): the
    // answer is then missing, which is INVALID_ARGUMENT, in reply to the command.
    json.send_raw(R"({"id":10,"dutyRespond":{"callId":"x","answer":"MAYBE"}})",
                  client::FrameType::text);
    const auto unknown = json.session().await_reply(10, default_wait);
    ASSERT_TRUE(unknown && unknown->has_error());
    EXPECT_EQ(unknown->error().code(), v1::Error::INVALID_ARGUMENT);
    EXPECT_NE(unknown->error().message().find("answer"), std::string::npos);
    // The connection still works.
    json.expect_reply<v1::DutyRespondReply>(respond_frame(call.call_id(), v1::DutyRespond::ACCEPT));
}

INSTANTIATE_TEST_SUITE_P(Backends, DutyCreateTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test
