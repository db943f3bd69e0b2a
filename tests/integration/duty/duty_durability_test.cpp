// What a volunteer was told is recorded stays recorded: an acknowledged answer survives
// SIGKILL, and the call goes on from there after the restart.

#include "duty_fixture.hpp"

namespace muster::test {
namespace {

class DutyDurabilityTest : public DutyTest {};

TEST_P(DutyDurabilityTest, an_acknowledged_response_survives_sigkill) {
    start();
    std::string call;
    v1::DutyRespondReply acknowledged;
    {
        auto wangxg = TestClient::connect(server(), "wangxg");
        call = wangxg.expect_reply<v1::DutyCreateReply>(create_frame("chonghua", 2)).call_id();
        auto liming = TestClient::connect(server(), "liming");
        acknowledged = liming.expect_reply<v1::DutyRespondReply>(
            respond_frame(call, v1::DutyRespond::ACCEPT, "count on me"));
        const ExitStatus killed = server().kill();  // the instant the reply arrived
        EXPECT_TRUE(killed.signaled());
        liming.abort();
        wangxg.abort();
    }
    ASSERT_TRUE(server().restart());

    const auto rec = record(call);
    ASSERT_EQ(rec.responses_size(), 1);
    EXPECT_EQ(rec.responses(0).user(), "liming");
    EXPECT_EQ(rec.responses(0).answer(), v1::DutyRespond::ACCEPT);
    EXPECT_EQ(rec.responses(0).note(), "count on me");
    EXPECT_EQ(rec.tally().accepted(), 1U);
    EXPECT_EQ(list_of(rec.tally().accepted_users()), std::vector<std::string>{"liming"});

    // The update is on the log under the seq the reply named, and the call goes on.
    auto zhangfang = TestClient::connect(server(), "zhangfang");
    const auto page = zhangfang.history("chonghua", acknowledged.seq() - 1, std::nullopt, 10);
    ASSERT_EQ(page.events_size(), 1);
    EXPECT_EQ(page.events(0).seq(), acknowledged.seq());
    EXPECT_EQ(page.events(0).duty_update().user(), "liming");
    const auto filled =
        zhangfang.expect_reply<v1::DutyRespondReply>(respond_frame(call, v1::DutyRespond::ACCEPT));
    EXPECT_EQ(filled.tally().state(), v1::DutyCall::FILLED);
    EXPECT_EQ(filled.seq(), acknowledged.seq() + 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, DutyDurabilityTest, testing::ValuesIn(all_backends()),
                         backend_name);

}  // namespace
}  // namespace muster::test
