// Answering duty calls: the slot count under concurrent accepts, changing one's mind, the
// waiting list, and the tally events that follow each answer.

#include <atomic>
#include <barrier>
#include <optional>
#include <set>
#include <thread>

#include "duty_fixture.hpp"

namespace muster::test {
namespace {

class DutyRespondTest : public DutyTest {};

TEST_P(DutyRespondTest, fifty_concurrent_acceptors_for_five_slots_end_with_exactly_five) {
    start();
    constexpr int acceptors = 50;
    constexpr std::uint32_t slots = 5;
    std::vector<std::string> users;
    for (int i = 0; i < acceptors; ++i) {
        users.push_back("vol" + std::to_string(i));
        add_member(server(), "chonghua", users.back());
    }
    auto wangxg = TestClient::connect(server(), "wangxg");
    wangxg.subscribe("chonghua");
    const auto call = wangxg.expect_reply<v1::DutyCreateReply>(create_frame("chonghua", slots));
    ASSERT_TRUE(wangxg.next_log_event().has_duty_call());

    std::vector<TestClient> clients;
    clients.reserve(acceptors);
    for (const auto& user : users) clients.push_back(TestClient::connect(server(), user));

    // Every connection sends its accept at the same instant, from its own thread.
    std::barrier start_line(acceptors);
    std::vector<std::optional<v1::ServerFrame>> replies(acceptors);
    std::vector<std::thread> threads;
    for (int i = 0; i < acceptors; ++i) {
        threads.emplace_back([&, i] {
            start_line.arrive_and_wait();
            auto reply = clients[i].session().call(
                respond_frame(call.call_id(), v1::DutyRespond::ACCEPT), default_wait);
            if (reply) replies[i] = std::move(*reply);
        });
    }
    for (auto& thread : threads) thread.join();

    std::set<std::string> accepted;
    int conflicts = 0;
    for (int i = 0; i < acceptors; ++i) {
        ASSERT_TRUE(replies[i].has_value()) << users[i] << " got no reply";
        if (replies[i]->has_duty_respond()) {
            accepted.insert(users[i]);
            EXPECT_FALSE(replies[i]->duty_respond().waitlisted());
            EXPECT_LE(replies[i]->duty_respond().tally().accepted(), slots);
        } else {
            ASSERT_TRUE(replies[i]->has_error()) << client::to_json(*replies[i]);
            EXPECT_EQ(replies[i]->error().code(), v1::Error::CONFLICT)
                << replies[i]->error().message();
            ++conflicts;
        }
    }
    EXPECT_EQ(accepted.size(), slots);
    EXPECT_EQ(conflicts, acceptors - static_cast<int>(slots));

    const auto rec = record(call.call_id());
    EXPECT_EQ(rec.tally().accepted(), slots);
    EXPECT_EQ(rec.tally().state(), v1::DutyCall::FILLED);
    const auto listed = list_of(rec.tally().accepted_users());
    EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), accepted);
    EXPECT_EQ(rec.responses_size(), static_cast<int>(slots));  // refused accepts are not answers

    // The coordinator saw exactly five updates, in seq order, the last one FILLED.
    std::uint64_t last_seq = 1;
    for (std::uint32_t i = 1; i <= slots; ++i) {
        const auto event = wangxg.next_log_event();
        ASSERT_TRUE(event.has_duty_update()) << client::to_json(event);
        EXPECT_EQ(event.seq(), last_seq + 1);
        last_seq = event.seq();
        EXPECT_EQ(event.duty_update().accepted(), i);
    }
    wangxg.expect_quiet(wangxg, "chonghua");
}

TEST_P(DutyRespondTest, decline_then_accept_moves_the_slot_and_repeats_are_idempotent) {
    start();
    auto wangxg = TestClient::connect(server(), "wangxg");
    auto liming = TestClient::connect(server(), "liming");
    auto zhangfang = TestClient::connect(server(), "zhangfang");
    const auto call =
        wangxg.expect_reply<v1::DutyCreateReply>(create_frame("chonghua", 1)).call_id();

    auto first = liming.expect_reply<v1::DutyRespondReply>(
        respond_frame(call, v1::DutyRespond::ACCEPT, "I am the secretary, I go first"));
    EXPECT_EQ(first.tally().state(), v1::DutyCall::FILLED);
    EXPECT_EQ(list_of(first.tally().accepted_users()), std::vector<std::string>{"liming"});
    EXPECT_EQ(first.tally().pending(), 2U);  // zhangfang and heping

    // The same answer again: same seq, nothing new on the log.
    auto again = liming.expect_reply<v1::DutyRespondReply>(
        respond_frame(call, v1::DutyRespond::ACCEPT, "I am the secretary, I go first"));
    EXPECT_EQ(again.seq(), first.seq());

    auto full =
        zhangfang.expect_error(respond_frame(call, v1::DutyRespond::ACCEPT), v1::Error::CONFLICT);
    EXPECT_NE(full.message().find("full"), std::string::npos) << full.message();

    auto declined = liming.expect_reply<v1::DutyRespondReply>(
        respond_frame(call, v1::DutyRespond::DECLINE, "called away"));
    EXPECT_EQ(declined.tally().state(), v1::DutyCall::OPEN);
    EXPECT_EQ(declined.tally().accepted(), 0U);
    EXPECT_EQ(declined.tally().declined(), 1U);
    EXPECT_EQ(declined.seq(), first.seq() + 1);

    auto taken =
        zhangfang.expect_reply<v1::DutyRespondReply>(respond_frame(call, v1::DutyRespond::ACCEPT));
    EXPECT_EQ(taken.tally().state(), v1::DutyCall::FILLED);
    EXPECT_EQ(list_of(taken.tally().accepted_users()), std::vector<std::string>{"zhangfang"});
    liming.expect_error(respond_frame(call, v1::DutyRespond::ACCEPT), v1::Error::CONFLICT);

    const auto rec = record(call);
    ASSERT_EQ(rec.responses_size(), 2);
    EXPECT_EQ(rec.responses(0).user(), "liming");
    EXPECT_EQ(rec.responses(0).answer(), v1::DutyRespond::DECLINE);
    EXPECT_EQ(rec.responses(0).note(), "called away");
    EXPECT_GT(rec.responses(0).time_ms(), 0);
    EXPECT_EQ(rec.responses(1).user(), "zhangfang");
    EXPECT_EQ(rec.responses(1).answer(), v1::DutyRespond::ACCEPT);
    EXPECT_EQ(rec.tally().pending(), 1U);
}

TEST_P(DutyRespondTest, waiting_list_takes_late_accepts_and_moves_up) {
    start();
    auto wangxg = TestClient::connect(server(), "wangxg");
    auto frame = create_frame("chonghua", 1);
    frame.mutable_duty_create()->set_waitlist(true);
    const auto call = wangxg.expect_reply<v1::DutyCreateReply>(frame).call_id();
    auto liming = TestClient::connect(server(), "liming");
    auto zhangfang = TestClient::connect(server(), "zhangfang");
    EXPECT_FALSE(
        liming.expect_reply<v1::DutyRespondReply>(respond_frame(call, v1::DutyRespond::ACCEPT))
            .waitlisted());
    const auto waiting =
        zhangfang.expect_reply<v1::DutyRespondReply>(respond_frame(call, v1::DutyRespond::ACCEPT));
    EXPECT_TRUE(waiting.waitlisted());
    EXPECT_EQ(list_of(waiting.tally().waitlisted_users()), std::vector<std::string>{"zhangfang"});
    const auto moved =
        liming.expect_reply<v1::DutyRespondReply>(respond_frame(call, v1::DutyRespond::DECLINE));
    EXPECT_EQ(list_of(moved.tally().accepted_users()), std::vector<std::string>{"zhangfang"});
    EXPECT_EQ(moved.tally().state(), v1::DutyCall::FILLED);
    EXPECT_TRUE(moved.tally().waitlisted_users().empty());
}

TEST_P(DutyRespondTest, tally_events_arrive_in_seq_order_and_the_last_matches_the_http_record) {
    start();
    auto wangxg = TestClient::connect(server(), "wangxg");
    wangxg.subscribe("areas");
    auto liming = TestClient::connect(server(), "liming");
    liming.subscribe("chonghua");
    const auto call =
        wangxg.expect_reply<v1::DutyCreateReply>(create_frame("areas", 2, /*subgroups=*/true))
            .call_id();
    auto zhangfang = TestClient::connect(server(), "zhangfang");
    auto chenwei = TestClient::connect(server(), "chenwei");
    liming.expect_reply<v1::DutyRespondReply>(respond_frame(call, v1::DutyRespond::ACCEPT));
    zhangfang.expect_reply<v1::DutyRespondReply>(
        respond_frame(call, v1::DutyRespond::DECLINE, "ill"));
    chenwei.expect_reply<v1::DutyRespondReply>(respond_frame(call, v1::DutyRespond::ACCEPT));
    liming.expect_reply<v1::DutyRespondReply>(respond_frame(call, v1::DutyRespond::DECLINE));
    zhangfang.expect_reply<v1::DutyRespondReply>(
        respond_frame(call, v1::DutyRespond::ACCEPT, "better"));
    const auto closed =
        wangxg.expect_reply<v1::DutyCloseReply>(close_frame(call, false, "thank you all"));

    // Both the creator's group and a subgroup carry the whole story, each in its own seq order.
    for (auto* watcher : {&wangxg, &liming}) {
        std::vector<v1::DutyUpdate> updates;
        std::uint64_t previous = 0;
        while (updates.size() < 6) {
            const auto event = watcher->next_log_event();
            EXPECT_EQ(event.seq(), previous + 1) << client::to_json(event);
            previous = event.seq();
            if (event.has_duty_update()) updates.push_back(event.duty_update());
        }
        EXPECT_EQ(updates[0].user(), "liming");
        EXPECT_EQ(updates[0].accepted(), 1U);
        EXPECT_EQ(updates[1].declined(), 1U);
        EXPECT_EQ(updates[2].state(), v1::DutyCall::FILLED);
        EXPECT_EQ(updates[3].state(), v1::DutyCall::OPEN);
        EXPECT_EQ(updates[4].state(), v1::DutyCall::FILLED);
        const auto& last = updates[5];
        EXPECT_EQ(last.state(), v1::DutyCall::CLOSED);
        EXPECT_EQ(last.reason(), "thank you all");

        const auto rec = record(call);
        const auto& tally = rec.tally();
        EXPECT_EQ(tally.call_id(), last.call_id());
        EXPECT_EQ(tally.state(), last.state());
        EXPECT_EQ(tally.accepted(), last.accepted());
        EXPECT_EQ(tally.declined(), last.declined());
        EXPECT_EQ(tally.pending(), last.pending());
        EXPECT_EQ(tally.slots(), last.slots());
        EXPECT_EQ(list_of(tally.accepted_users()), list_of(last.accepted_users()));
        EXPECT_EQ(list_of(tally.accepted_users()),
                  (std::vector<std::string>{"chenwei", "zhangfang"}));
        EXPECT_EQ(tally.reason(), "thank you all");
        EXPECT_EQ(rec.call().state(), v1::DutyCall::CLOSED);
        EXPECT_EQ(last.call_id(), closed.tally().call_id());
    }

    // The HTTP shape clients rely on: every response with user, answer, note and timeMs.
    const auto raw =
        http_call(server(), "GET", "/api/v1/duty-calls/" + call, {}, server().token("wangxg"));
    for (const auto* key :
         {R"("call":{)", R"("tally":{)", R"("responses":[{"user":")", R"("answer":"DECLINE")",
          R"("note":"")", R"("timeMs":")", R"("note":"better")"}) {
        EXPECT_NE(raw.body.find(key), std::string::npos) << key << " in " << raw.body;
    }
    // Listing: by group and state.
    const auto listed = http_call(server(), "GET", "/api/v1/duty-calls?group=chonghua&state=CLOSED",
                                  {}, server().token("liming"));
    ASSERT_EQ(listed.status, 200) << listed.body;
    v1::DutyCallList list;
    ASSERT_TRUE(client::from_json(listed.body, list));
    ASSERT_EQ(list.calls_size(), 1);
    EXPECT_EQ(list.calls(0).call().call_id(), call);
    EXPECT_EQ(list.calls(0).tally().accepted(), 2U);
    const auto open = http_call(server(), "GET", "/api/v1/duty-calls?group=chonghua&state=OPEN", {},
                                server().token("liming"));
    EXPECT_EQ(open.body, R"({"calls":[]})");
    EXPECT_EQ(
        http_call(server(), "GET", "/api/v1/duty-calls?group=agency", {}, server().token("liming"))
            .status,
        403);
}

INSTANTIATE_TEST_SUITE_P(Backends, DutyRespondTest, testing::ValuesIn(all_backends()),
                         backend_name);

}  // namespace
}  // namespace muster::test
