// The voice-and-video rules as pure functions: who may signal whom, microphone and camera state,
// the audio-first rule of large meetings without an SFU; and the TURN credentials' form.

#include <gtest/gtest.h>

#include "core/turn_credentials.hpp"
#include "features/meetings/rules.hpp"

namespace muster::features::meetings {
namespace {

namespace v1 = muster::v1;
using store::Role;

constexpr std::int64_t t0 = 1'700'000'000'000;
const Actor host{"host", "Host", Role::coordinator};
const Actor alice{"alice", "Alice", Role::member};
const Actor bob{"bob", "Bob", Role::member};
const Actor carol{"carol", "Carol", Role::member};
const Actor stranger{"eve", "Eve", Role::none};

MeetingRecord live_with(const std::vector<Actor>& joined) {
    v1::MeetingSchedule command;
    command.set_group("branch");
    command.set_title("视频会");
    MeetingRecord record = new_meeting(host, "mt_1", command, t0);
    EXPECT_TRUE(start(record, host, t0).ok());
    for (const auto& a : joined) EXPECT_TRUE(join(record, a, "p/" + a.user, t0).ok());
    return record;
}

TEST(MediaRules, only_participants_of_a_live_meeting_signal_other_participants) {
    MeetingRecord record = live_with({alice, bob});
    EXPECT_TRUE(may_signal(record, alice, "bob").ok());
    EXPECT_EQ(may_signal(record, alice, "carol").code(), errc::not_found);
    EXPECT_EQ(may_signal(record, carol, "alice").code(), errc::forbidden);
    EXPECT_EQ(may_signal(record, stranger, "alice").code(), errc::forbidden);
    EXPECT_EQ(may_signal(record, alice, "alice").code(), errc::invalid_argument);
    ASSERT_TRUE(end(record, host, {}, t0 + 1).ok());
    EXPECT_EQ(may_signal(record, alice, "bob").code(), errc::forbidden);
}

TEST(MediaRules, media_changes_once_and_hosts_only_turn_others_off) {
    MeetingRecord record = live_with({alice, bob});
    const MediaPolicy policy{4, false};
    auto on = set_media(record, alice, "", true, true, policy, t0);
    ASSERT_TRUE(on.ok());
    EXPECT_EQ(on->change, v1::MeetingUpdate::MEDIA);
    EXPECT_FALSE(set_media(record, alice, "", true, true, policy, t0)->updates());
    EXPECT_EQ(set_media(record, bob, "alice", false, false, policy, t0).status().code(),
              errc::forbidden);
    ASSERT_TRUE(set_media(record, host, "alice", false, true, policy, t0).ok());
    EXPECT_FALSE(record.state().participants(0).audio());
    EXPECT_EQ(set_media(record, host, "alice", true, true, policy, t0).status().code(),
              errc::forbidden);
}

TEST(MediaRules, large_meetings_without_an_sfu_are_audio_first) {
    MeetingRecord record = live_with({alice, bob, carol});
    const MediaPolicy mesh{2, false};
    EXPECT_FALSE(may_send_video(record.state(), "alice", mesh));
    EXPECT_TRUE(may_send_video(record.state(), "host", mesh));
    EXPECT_TRUE(may_send_video(record.state(), "alice", MediaPolicy{2, true}));
    EXPECT_TRUE(may_send_video(record.state(), "alice", MediaPolicy{3, false}));
    EXPECT_EQ(set_media(record, alice, "", true, true, mesh, t0).status().code(), errc::forbidden);
    ASSERT_TRUE(grant_floor(record, host, "alice", t0).ok());
    EXPECT_TRUE(set_media(record, alice, "", true, true, mesh, t0).ok());
}

TEST(TurnCredentials, username_is_expiry_and_user_and_the_credential_is_base64_hmac_sha1) {
    // Computed independently (Python's hmac and base64) over "1700000000:liming".
    const TurnCredentials c = turn_credentials("key", "liming", 1700000000);
    EXPECT_EQ(c.username, "1700000000:liming");
    EXPECT_EQ(c.credential, "3WMARcCpK75hkypWFt7xCDBGRPU=");
    EXPECT_NE(turn_credentials("other", "liming", 1700000000).credential, c.credential);
}

}  // namespace
}  // namespace muster::features::meetings
