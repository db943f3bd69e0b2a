// Every WebSocket command × every kind of caller (authz_world.hpp): the reply each one gets.
//
// A cell sends the row's command, built on fresh targets, on the column's connection: for the
// five users, their own connection; for the three refused tokens, a new socket whose `connect`
// with that token was refused (no token: no `connect` at all). "OK" is the command's own reply;
// anything else is the Error code. All cells run and every mismatch is reported.

#include <functional>
#include <map>
#include <set>

#include <google/protobuf/descriptor.h>

#include "authz_world.hpp"

namespace muster::test::authz {
namespace {

using Code = v1::Error::Code;
constexpr Code OK = v1::Error::CODE_UNSPECIFIED;  // the command's reply, not an Error
constexpr Code UNAUTH = v1::Error::UNAUTHENTICATED;
constexpr Code FORBID = v1::Error::FORBIDDEN;

struct Row {
    std::string_view name;  // the ClientFrame field, then what the cell does when not obvious
    std::array<Code, columns> expect;
};

// Meetings are hosted by the coordinator (secretary). "joined": the column's user joined the
// meeting first (when allowed), so that the command is about rights, not about the phase.
// clang-format off
const Row ws_table[] = {
//   command (ClientFrame field)                  no token expired wrong sig  other grp member  parent coord   coordinator admin
    {"connect",                                  {UNAUTH,  UNAUTH,  UNAUTH,   OK,       OK,     OK,            OK,         OK}},
    {"subscribe",                                {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   OK,     OK,            OK,         OK}},
    {"unsubscribe",                              {UNAUTH,  UNAUTH,  UNAUTH,   OK,       OK,     OK,            OK,         OK}},
    {"publish",                                  {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   OK,     OK,            OK,         OK}},
    {"history",                                  {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   OK,     OK,            OK,         OK}},
    {"presence",                                 {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   OK,     OK,            OK,         OK}},
    {"presence (a later page: after, limit)",    {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   OK,     OK,            OK,         OK}},
    {"refresh (a new token of the same user)",   {UNAUTH,  UNAUTH,  UNAUTH,   OK,       OK,     OK,            OK,         OK}},
    {"duty_create",                              {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   FORBID, OK,            OK,         OK}},
    {"duty_respond",                             {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   OK,     OK,            OK,         OK}},
    {"duty_close",                               {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   FORBID, OK,            OK,         OK}},
    {"meeting_schedule",                         {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   FORBID, OK,            OK,         OK}},
    {"meeting_start",                            {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   FORBID, FORBID,        OK,         FORBID}},
    {"meeting_join",                             {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   OK,     OK,            OK,         OK}},
    {"meeting_leave (joined)",                   {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   OK,     OK,            OK,         OK}},
    {"meeting_roll_call",                        {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   FORBID, FORBID,        OK,         FORBID}},
    {"meeting_answer_roll (joined)",             {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   OK,     OK,            OK,         OK}},
    {"meeting_raise_hand (joined)",              {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   OK,     OK,            OK,         OK}},
    {"meeting_lower_hand (one's own, raised)",   {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   OK,     OK,            OK,         OK}},
    {"meeting_lower_hand (another's)",           {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   FORBID, FORBID,        OK,         FORBID}},
    {"meeting_grant_floor",                      {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   FORBID, FORBID,        OK,         FORBID}},
    {"meeting_share",                            {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   FORBID, FORBID,        OK,         FORBID}},
    {"meeting_set_agenda_item",                  {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   FORBID, FORBID,        OK,         FORBID}},
    {"meeting_end",                              {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   FORBID, FORBID,        OK,         FORBID}},
    {"meeting_get",                              {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   OK,     OK,            OK,         OK}},
    {"meeting_signal (joined, to a participant)",{UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   OK,     OK,            OK,         OK}},
    {"meeting_media (joined, one's own)",        {UNAUTH,  UNAUTH,  UNAUTH,   FORBID,   OK,     OK,            OK,         OK}},
};
// clang-format on

// "meeting_leave (joined)" -> "meeting_leave".
std::string_view command_of(std::string_view row) {
    return row.substr(0, row.find(' '));
}

std::string code_name(Code code) {
    return code == OK ? "OK" : v1::Error::Code_Name(code);
}

class WsMatrixTest : public AuthzTest {
  protected:
    // The column's connection: one per user for the whole test, opened on first use.
    TestClient& as(Who who) {
        auto& client = clients_[who];
        if (!client) {
            ClientOptions options;
            if (who == Who::admin) options.roles = {"admin"};
            client = std::make_unique<TestClient>(
                TestClient::connect(server(), user_of(who), std::move(options)));
        }
        return *client;
    }

    // A set-up step on the column's own connection whose outcome does not matter (joining a
    // meeting the outsider may not join, ...).
    static void attempt(TestClient* client, v1::ClientFrame frame) {
        if (client != nullptr) (void)client->session().call(std::move(frame));
    }
    static v1::ClientFrame meeting_ref(v1::MeetingRef* (v1::ClientFrame::*field)(),
                                       const std::string& meeting) {
        v1::ClientFrame frame;
        (frame.*field)()->set_meeting_id(meeting);
        return frame;
    }

    // The row's command on fresh targets; `client` is the column's connection (null for the
    // refused tokens), for the set-up steps it takes.
    v1::ClientFrame build(std::string_view row, Who who, TestClient* client) {
        using F = v1::ClientFrame;
        v1::ClientFrame frame;
        const std::string_view command = command_of(row);
        if (command == "connect") {
            frame.mutable_connect()->set_token(token_of(who));
        } else if (command == "subscribe") {
            frame.mutable_subscribe()->set_group("branch");
        } else if (command == "unsubscribe") {
            v1::ClientFrame first;
            first.mutable_subscribe()->set_group("branch");
            attempt(client, first);
            frame.mutable_unsubscribe()->set_group("branch");
        } else if (command == "publish") {
            frame.mutable_publish()->set_group("branch");
            frame.mutable_publish()->set_text("大家好");
        } else if (command == "history") {
            frame.mutable_history()->set_group("branch");
            frame.mutable_history()->set_limit(10);
        } else if (command == "presence") {
            frame.mutable_presence()->set_group("branch");
            if (row.find("page") != std::string_view::npos) {
                frame.mutable_presence()->set_after("a");
                frame.mutable_presence()->set_limit(1);
            }
        } else if (command == "refresh") {
            frame.mutable_refresh()->set_token(token_of(who));
        } else if (command == "duty_create") {
            auto* create = frame.mutable_duty_create();
            create->set_group("branch");
            create->set_title("防汛值班");
            create->set_slots(3);
            create->set_deadline_ms(now_ms() + 3'600'000);
        } else if (command == "duty_respond") {
            frame.mutable_duty_respond()->set_call_id(open_call());
            frame.mutable_duty_respond()->set_answer(v1::DutyRespond::ACCEPT);
        } else if (command == "duty_close") {
            frame.mutable_duty_close()->set_call_id(open_call());
        } else if (command == "meeting_schedule") {
            frame.mutable_meeting_schedule()->set_group("branch");
            frame.mutable_meeting_schedule()->set_title("支部委员会");
        } else if (command == "meeting_start") {
            frame = meeting_ref(&F::mutable_meeting_start, scheduled_meeting());
        } else if (command == "meeting_join") {
            frame = meeting_ref(&F::mutable_meeting_join, live_meeting());
        } else if (command == "meeting_leave") {
            const std::string meeting = live_meeting();
            attempt(client, meeting_ref(&F::mutable_meeting_join, meeting));
            frame = meeting_ref(&F::mutable_meeting_leave, meeting);
        } else if (command == "meeting_roll_call") {
            frame.mutable_meeting_roll_call()->set_meeting_id(live_meeting());
        } else if (command == "meeting_answer_roll") {
            const std::string meeting = live_meeting();
            attempt(client, meeting_ref(&F::mutable_meeting_join, meeting));
            open_roll_call(meeting);
            frame = meeting_ref(&F::mutable_meeting_answer_roll, meeting);
        } else if (command == "meeting_raise_hand") {
            const std::string meeting = live_meeting();
            attempt(client, meeting_ref(&F::mutable_meeting_join, meeting));
            frame = meeting_ref(&F::mutable_meeting_raise_hand, meeting);
        } else if (command == "meeting_lower_hand") {
            const std::string meeting = live_meeting();
            auto* lower = frame.mutable_meeting_lower_hand();
            lower->set_meeting_id(meeting);
            if (row.find("another") != std::string_view::npos) {
                helper_raises_hand(meeting);
                lower->set_user("helper");
            } else {
                attempt(client, meeting_ref(&F::mutable_meeting_join, meeting));
                attempt(client, meeting_ref(&F::mutable_meeting_raise_hand, meeting));
            }
        } else if (command == "meeting_grant_floor") {
            frame.mutable_meeting_grant_floor()->set_meeting_id(live_meeting());
            frame.mutable_meeting_grant_floor()->set_user("helper");
        } else if (command == "meeting_share") {
            auto* share = frame.mutable_meeting_share();
            share->set_meeting_id(live_meeting());
            share->set_title("学习材料");
            share->set_url("https://example.org/study.pdf");
        } else if (command == "meeting_set_agenda_item") {
            frame.mutable_meeting_set_agenda_item()->set_meeting_id(live_meeting());
            frame.mutable_meeting_set_agenda_item()->set_index(1);
        } else if (command == "meeting_end") {
            frame = meeting_ref(&F::mutable_meeting_end, live_meeting());
        } else if (command == "meeting_get") {
            frame = meeting_ref(&F::mutable_meeting_get, scheduled_meeting());
        } else if (command == "meeting_signal") {
            const std::string meeting = live_meeting();  // helper has joined
            attempt(client, meeting_ref(&F::mutable_meeting_join, meeting));
            auto* signal = frame.mutable_meeting_signal();
            signal->set_meeting_id(meeting);
            signal->set_to_user("helper");
            signal->set_kind(v1::MeetingSignal::OFFER);
            signal->set_payload(R"({"type":"offer","sdp":"v=0"})");
        } else if (command == "meeting_media") {
            const std::string meeting = live_meeting();
            attempt(client, meeting_ref(&F::mutable_meeting_join, meeting));
            frame.mutable_meeting_media()->set_meeting_id(meeting);
            frame.mutable_meeting_media()->set_audio(true);
        } else {
            ADD_FAILURE() << "no set-up for row '" << row << "': add it to build()";
        }
        return frame;
    }

    // What the cell got: "OK", an Error code's name, or what went wrong instead of a reply.
    std::string run_cell(std::string_view row, Who who) {
        const bool is_connect = command_of(row) == "connect";
        std::optional<TestClient> fresh;
        TestClient* client = nullptr;
        if (authenticated(who) && !is_connect) {
            client = &as(who);
        } else {
            fresh.emplace(TestClient::open(server()));
            if (!is_connect && who != Who::no_token) {
                v1::ClientFrame refused;
                refused.mutable_connect()->set_token(token_of(who));
                (void)fresh->expect_error(refused, v1::Error::UNAUTHENTICATED);
            }
        }
        v1::ClientFrame frame = build(row, who, authenticated(who) ? client : nullptr);
        TestClient& on = client != nullptr ? *client : *fresh;
        const auto reply = on.session().call(frame);
        if (!reply) return "no reply: " + reply.failure().describe();
        if (reply->has_error()) return code_name(reply->error().code());
        if (static_cast<int>(reply->body_case()) != static_cast<int>(frame.cmd_case()))
            return "a reply of another kind";
        return "OK";
    }

    std::map<Who, std::unique_ptr<TestClient>> clients_;
};

TEST_P(WsMatrixTest, EveryCommandAsEveryCaller) {
    int mismatches = 0;
    for (const auto& row : ws_table) {
        for (std::size_t column = 0; column < columns; ++column) {
            const Who who = everyone[column];
            const std::string got = run_cell(row.name, who);
            const std::string expected = code_name(row.expect[column]);
            if (got != expected) ++mismatches;
            EXPECT_EQ(got, expected) << row.name << " as " << who_name(who);
        }
    }
    EXPECT_EQ(mismatches, 0);
}

// A command added to ClientFrame without a row here fails: every command is in the matrix.
TEST(WsMatrix, EveryClientFrameCommandHasARow) {
    std::set<std::string, std::less<>> rows;
    for (const auto& row : ws_table) rows.emplace(command_of(row.name));
    const auto* oneof = v1::ClientFrame::descriptor()->FindOneofByName("cmd");
    ASSERT_NE(oneof, nullptr);
    for (int i = 0; i < oneof->field_count(); ++i) {
        const std::string& name = oneof->field(i)->name();
        EXPECT_TRUE(rows.contains(name))
            << "ClientFrame." << name
            << " has no row in ws_table (tests/integration/authz/ws_matrix_test.cpp): add one, "
               "with its set-up in build()";
        rows.erase(name);
    }
    EXPECT_TRUE(rows.empty()) << "rows for no ClientFrame command: " << *rows.begin();
}

INSTANTIATE_TEST_SUITE_P(Backends, WsMatrixTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test::authz
