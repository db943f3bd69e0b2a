#pragma once
// The meeting suites: a musterd with a manual clock (time moves only when a test says so, and
// timers - roll-call windows, attendance grace - fire then), a branch group, and helpers for
// the meeting commands, their updates and the attendance report.

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "muster/codec.hpp"
#include "support/backend.hpp"
#include "support/harness.hpp"

namespace muster::test {

namespace v1 = muster::v1;
using Change = v1::MeetingUpdate;

inline constexpr std::int64_t grace_ms = 60'000;  // --meeting.drop_grace_s=60
inline constexpr std::int64_t minute = 60'000;

class MeetingTest : public testing::TestWithParam<Backend> {
  protected:
    void start(std::vector<std::string> args = {}) {
        ServerOptions options;
        options.args = {"--debug.manual_clock=true", "--meeting.drop_grace_s=60"};
        options.args.insert(options.args.end(), args.begin(), args.end());
        node_ = std::make_unique<NodeUnderTest>(GetParam(), std::move(options));
        ASSERT_TRUE(node_->start());
    }
    ServerProcess& server() { return node_->server(); }

    // Moves the server's clock forward (timers that fall due run); returns the new time.
    std::int64_t advance(std::int64_t ms,
                         std::source_location where = std::source_location::current()) {
        const auto response = admin_http(
            server(), "POST", "/api/v1/debug/clock?advance_ms=" + std::to_string(ms), {}, where);
        if (response.status != 200) fail_test("advancing the clock: " + response.body, where);
        const auto at = response.body.find("\"nowMs\":\"");
        return std::stoll(response.body.substr(at + 9));
    }
    std::int64_t now() { return advance(0); }

    // Restarts musterd on the same port and data, its clock going on from where it was.
    void restart_keeping_time(bool kill = false) {
        const std::int64_t at = now();
        if (kill) {
            server().kill();
        } else {
            server().stop();
        }
        server().set_option("debug.manual_clock_start_ms", std::to_string(at));
        ASSERT_TRUE(server().restart(ServerProcess::Port::same));
    }

    // The branch: "secretary" coordinates it; members with display names.
    void branch(const std::vector<std::pair<std::string, std::string>>& members) {
        create_group(server(), "branch", "第一党支部");
        add_member(server(), "branch", "secretary", "coordinator", "Secretary");
        for (const auto& [user, name] : members)
            add_member(server(), "branch", user, "member", name);
    }

    TestClient connect(const std::string& user, const std::string& name = {},
                       std::source_location where = std::source_location::current()) {
        auto client = TestClient::connect(server(), user, {.name = name}, where);
        client.subscribe("branch", std::nullopt, where);
        return client;
    }

    std::string schedule(TestClient& host,
                         const std::vector<std::string>& agenda = {"study", "ideas"},
                         const std::vector<std::string>& co_hosts = {},
                         std::source_location where = std::source_location::current()) {
        v1::ClientFrame frame;
        auto* command = frame.mutable_meeting_schedule();
        command->set_group("branch");
        command->set_title("月度组织生活会");
        for (const auto& item : agenda) command->add_agenda(item);
        for (const auto& user : co_hosts) command->add_co_hosts(user);
        const auto reply = host.expect_reply<v1::MeetingScheduleReply>(frame, where);
        if (reply.meeting_id().empty() || reply.seq() == 0)
            fail_test("schedule reply without id or seq", where);
        return reply.meeting_id();
    }

    // The next event on the log: transient presence notices (single or batched) are skipped.
    static v1::Event next_logged(TestClient& client,
                                 std::source_location where = std::source_location::current()) {
        for (;;) {
            auto event = client.next_log_event(default_wait, where);
            if (!event.has_presence_batch()) return event;
        }
    }

    // The next log event of `client` must be a MeetingUpdate of `change` about `user`.
    static v1::MeetingUpdate expect_update(
        TestClient& client, v1::MeetingUpdate::Change change, const std::string& user = {},
        std::source_location where = std::source_location::current()) {
        const auto event = next_logged(client, where);
        if (!event.has_meeting() || event.meeting().change() != change ||
            (!user.empty() && event.meeting().user() != user)) {
            fail_test("client '" + client.user() + "' expected update " +
                          Change::Change_Name(change) + (user.empty() ? "" : " about " + user) +
                          ", got " + client::to_json(event),
                      where);
        }
        return event.meeting();
    }

    // GET /api/v1/meetings/{id}/attendance as `user` (the raw response).
    client::HttpResponse attendance(const std::string& meeting, const std::string& user,
                                    const std::string& format = "json") {
        return http_call(server(), "GET",
                         "/api/v1/meetings/" + meeting + "/attendance?format=" + format, {},
                         server().token(user));
    }
    v1::AttendanceReport report(const std::string& meeting,
                                std::source_location where = std::source_location::current()) {
        const auto response = attendance(meeting, "secretary");
        if (response.status != 200)
            fail_test(
                "attendance report: HTTP " + std::to_string(response.status) + " " + response.body,
                where);
        v1::AttendanceReport out;
        if (auto parsed = client::from_json(response.body, out); !parsed)
            fail_test(parsed.failure().describe(), where);
        return out;
    }
    static const v1::Attendee* attendee(const v1::AttendanceReport& report,
                                        const std::string& user) {
        for (const auto& a : report.attendees()) {
            if (a.user() == user) return &a;
        }
        return nullptr;
    }

    std::unique_ptr<NodeUnderTest> node_;
};

// ---- frames --------------------------------------------------------------------------------

template <class Field>
v1::ClientFrame ref_frame(Field field, const std::string& meeting) {
    v1::ClientFrame frame;
    (frame.*field)()->set_meeting_id(meeting);
    return frame;
}
inline v1::ClientFrame start_frame(const std::string& m) {
    return ref_frame(&v1::ClientFrame::mutable_meeting_start, m);
}
inline v1::ClientFrame join_frame(const std::string& m) {
    return ref_frame(&v1::ClientFrame::mutable_meeting_join, m);
}
inline v1::ClientFrame leave_frame(const std::string& m) {
    return ref_frame(&v1::ClientFrame::mutable_meeting_leave, m);
}
inline v1::ClientFrame end_frame(const std::string& m) {
    return ref_frame(&v1::ClientFrame::mutable_meeting_end, m);
}
inline v1::ClientFrame get_frame(const std::string& m) {
    return ref_frame(&v1::ClientFrame::mutable_meeting_get, m);
}
inline v1::ClientFrame answer_frame(const std::string& m) {
    return ref_frame(&v1::ClientFrame::mutable_meeting_answer_roll, m);
}
inline v1::ClientFrame raise_frame(const std::string& m) {
    return ref_frame(&v1::ClientFrame::mutable_meeting_raise_hand, m);
}

inline v1::ClientFrame lower_frame(const std::string& m, const std::string& user = {}) {
    v1::ClientFrame frame = ref_frame(&v1::ClientFrame::mutable_meeting_lower_hand, m);
    frame.mutable_meeting_lower_hand()->set_user(user);
    return frame;
}
inline v1::ClientFrame floor_frame(const std::string& m, const std::string& user) {
    v1::ClientFrame frame = ref_frame(&v1::ClientFrame::mutable_meeting_grant_floor, m);
    frame.mutable_meeting_grant_floor()->set_user(user);
    return frame;
}
inline v1::ClientFrame roll_frame(const std::string& m, std::uint32_t window_s) {
    v1::ClientFrame frame = ref_frame(&v1::ClientFrame::mutable_meeting_roll_call, m);
    frame.mutable_meeting_roll_call()->set_window_s(window_s);
    return frame;
}
inline v1::ClientFrame share_frame(const std::string& m, const std::string& title,
                                   const std::string& url) {
    v1::ClientFrame frame = ref_frame(&v1::ClientFrame::mutable_meeting_share, m);
    frame.mutable_meeting_share()->set_title(title);
    frame.mutable_meeting_share()->set_url(url);
    return frame;
}
inline v1::ClientFrame agenda_frame(const std::string& m, std::int32_t index) {
    v1::ClientFrame frame = ref_frame(&v1::ClientFrame::mutable_meeting_set_agenda_item, m);
    frame.mutable_meeting_set_agenda_item()->set_index(index);
    return frame;
}

// meeting_media: `user` empty for one's own, another's for a host muting them.
inline v1::ClientFrame media_frame(const std::string& meeting, bool audio, bool video,
                                   const std::string& user = {}) {
    v1::ClientFrame frame;
    auto* m = frame.mutable_meeting_media();
    m->set_meeting_id(meeting);
    m->set_audio(audio);
    m->set_video(video);
    m->set_user(user);
    return frame;
}

// A command whose reply must be a MeetingReply.
inline v1::MeetingReply meeting_call(TestClient& client, v1::ClientFrame frame,
                                     std::source_location where = std::source_location::current()) {
    return client.expect_reply<v1::MeetingReply>(std::move(frame), where);
}

inline std::vector<std::string> users_of(const v1::MeetingState& state) {
    std::vector<std::string> out;
    for (const auto& p : state.participants()) out.push_back(p.user());
    return out;
}
inline std::vector<std::string> list(const google::protobuf::RepeatedPtrField<std::string>& items) {
    return {items.begin(), items.end()};
}

}  // namespace muster::test
