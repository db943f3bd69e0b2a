// Voice and video signalling (docs/PROTOCOL.md "Meeting media"): who may signal whom, the size
// and rate bounds, delivery to the right connections and nothing on the log; microphone and
// camera state on the log; TURN credentials checked with an HMAC-SHA1 computed here.

#include <array>
#include <string>

#include <boost/json.hpp>
#include <openssl/evp.h>

#include "meeting_fixture.hpp"

namespace muster::test {
namespace {

using Kind = v1::MeetingSignal;

v1::ClientFrame signal_frame(const std::string& meeting, const std::string& to, Kind::Kind kind,
                             const std::string& payload, const std::string& to_session = {}) {
    v1::ClientFrame frame;
    auto* s = frame.mutable_meeting_signal();
    s->set_meeting_id(meeting);
    s->set_to_user(to);
    s->set_kind(kind);
    s->set_payload(payload);
    s->set_to_session(to_session);
    return frame;
}

void send_signal(TestClient& from, const std::string& meeting, const std::string& to,
                 Kind::Kind kind, const std::string& payload, const std::string& to_session = {},
                 std::source_location where = std::source_location::current()) {
    (void)from.expect_reply<v1::MeetingSignalReply>(
        signal_frame(meeting, to, kind, payload, to_session), where);
}

// The next transient event that is not presence must be this signal (log events, which travel
// another path, are skipped).
v1::MeetingSignal expect_signal(TestClient& client, const TestClient& from, Kind::Kind kind,
                                const std::string& payload,
                                std::source_location where = std::source_location::current()) {
    for (;;) {
        const v1::Event event = client.next_event(default_wait, where);
        if (event.seq() != 0 || event.has_presence() || event.has_presence_batch()) continue;
        if (!event.has_meeting_signal() || event.seq() != 0 ||
            event.meeting_signal().kind() != kind || event.meeting_signal().payload() != payload ||
            event.meeting_signal().from_user() != from.user() ||
            event.meeting_signal().from_session() != from.connect_reply().session_id() ||
            event.sender() != from.user()) {
            fail_test("client '" + client.user() + "' expected a " + Kind::Kind_Name(kind) +
                          " signal '" + payload.substr(0, 80) + "' from " + from.user() + ", got " +
                          client::to_json(event).substr(0, 400),
                      where);
        }
        return event.meeting_signal();
    }
}

// The newest seq of the group's log.
std::uint64_t head(TestClient& client) {
    return client.history("branch", std::nullopt, std::nullopt, 1).latest_seq();
}

// An independent HMAC-SHA1 (RFC 2104 over OpenSSL's bare SHA-1, not its HMAC) and base64.
std::string hmac_sha1_base64(const std::string& key_text, const std::string& message) {
    auto sha1 = [](const std::string& data) {
        std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
        unsigned int n = 0;
        EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_sha1(), nullptr);
        return std::string(reinterpret_cast<const char*>(out.data()), n);
    };
    std::string key = key_text.size() > 64 ? sha1(key_text) : key_text;
    key.resize(64, '\0');
    std::string inner(64, '\0');
    std::string outer(64, '\0');
    for (int i = 0; i < 64; ++i) {
        inner[i] = static_cast<char>(key[i] ^ 0x36);
        outer[i] = static_cast<char>(key[i] ^ 0x5c);
    }
    const std::string mac = sha1(outer + sha1(inner + message));
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < mac.size(); i += 3) {
        std::uint32_t block = static_cast<unsigned char>(mac[i]) << 16;
        if (i + 1 < mac.size()) block |= static_cast<unsigned char>(mac[i + 1]) << 8;
        if (i + 2 < mac.size()) block |= static_cast<unsigned char>(mac[i + 2]);
        out += alphabet[(block >> 18) & 63];
        out += alphabet[(block >> 12) & 63];
        out += i + 1 < mac.size() ? alphabet[(block >> 6) & 63] : '=';
        out += i + 2 < mac.size() ? alphabet[block & 63] : '=';
    }
    return out;
}

class MeetingMediaTest : public MeetingTest {
  protected:
    // A live meeting hosted by the secretary.
    std::string live(TestClient& host) {
        const std::string id = schedule(host);
        meeting_call(host, start_frame(id));
        return id;
    }
};

TEST(TurnHmac, the_tests_own_hmac_matches_the_rfc_2202_style_vector) {
    // The well-known HMAC-SHA1 example: key "key", the quick brown fox.
    EXPECT_EQ(hmac_sha1_base64("key", "The quick brown fox jumps over the lazy dog"),
              "3nybhbi3iqa8ino29wqQcBydtNk=");
}

TEST_P(MeetingMediaTest, only_participants_of_a_live_meeting_signal_each_other) {
    start();
    branch({{"alice", "Alice"}, {"bob", "Bob"}, {"carol", "Carol"}});
    auto host = connect("secretary");
    auto alice = connect("alice");
    auto bob = connect("bob");
    auto carol = connect("carol");
    auto mallory = TestClient::connect(server(), "mallory");

    const std::string id = schedule(host);
    meeting_call(alice, join_frame(id));
    // Joined early, but the meeting is not live yet.
    alice.expect_error(signal_frame(id, "secretary", Kind::OFFER, "x"), v1::Error::FORBIDDEN);
    meeting_call(host, start_frame(id));
    const std::uint64_t before = head(host);

    alice.expect_error(signal_frame(id, "bob", Kind::OFFER, "x"), v1::Error::NOT_FOUND);
    bob.expect_error(signal_frame(id, "alice", Kind::OFFER, "x"), v1::Error::FORBIDDEN);
    mallory.expect_error(signal_frame(id, "alice", Kind::OFFER, "x"), v1::Error::FORBIDDEN);
    alice.expect_error(signal_frame(id, "alice", Kind::OFFER, "x"), v1::Error::INVALID_ARGUMENT);
    alice.expect_error(signal_frame(id, "secretary", Kind::KIND_UNSPECIFIED, "x"),
                       v1::Error::INVALID_ARGUMENT);
    alice.expect_error(signal_frame("mt_nope", "secretary", Kind::OFFER, "x"),
                       v1::Error::NOT_FOUND);

    const auto joined = meeting_call(bob, join_frame(id));
    EXPECT_EQ(joined.media().mode(), v1::MeetingMedia::MESH);
    EXPECT_EQ(joined.media().max_mesh_peers(), 4U);
    meeting_call(carol, join_frame(id));
    // bob's second device is connected but has not joined the meeting.
    auto bob_phone = connect("bob");

    const std::string offer = R"({"type":"offer","sdp":"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"})";
    send_signal(alice, id, "bob", Kind::OFFER, offer);
    const auto got = expect_signal(bob, alice, Kind::OFFER, offer);
    EXPECT_EQ(got.meeting_id(), id);
    EXPECT_EQ(got.from_name(), "Alice");
    send_signal(bob, id, "alice", Kind::ANSWER, "answer", alice.connect_reply().session_id());
    expect_signal(alice, bob, Kind::ANSWER, "answer");

    // Neither carol (another participant) nor bob's other device got alice's offer: the next
    // signal each gets is the marker sent after it along the same path.
    send_signal(alice, id, "carol", Kind::ICE, "marker-carol");
    expect_signal(carol, alice, Kind::ICE, "marker-carol");
    meeting_call(bob_phone, join_frame(id));
    send_signal(alice, id, "bob", Kind::ICE, "to-the-phone",
                bob_phone.connect_reply().session_id());
    expect_signal(bob_phone, alice, Kind::ICE, "to-the-phone");
    send_signal(alice, id, "bob", Kind::BYE, "marker-bob", bob.connect_reply().session_id());
    expect_signal(bob, alice, Kind::BYE, "marker-bob");  // not "to-the-phone" first

    // Nothing of it is on the log.
    EXPECT_EQ(head(host), before + 2);  // bob's and carol's JOINED only
    const auto page = host.history("branch", before, std::nullopt, 100);
    for (const auto& event : page.events()) {
        EXPECT_FALSE(event.has_meeting_signal()) << client::to_json(event);
        EXPECT_TRUE(event.has_meeting()) << client::to_json(event);
    }

    // After leaving, or after the end, nobody signals.
    meeting_call(carol, leave_frame(id));
    alice.expect_error(signal_frame(id, "carol", Kind::OFFER, "x"), v1::Error::NOT_FOUND);
    carol.expect_error(signal_frame(id, "alice", Kind::OFFER, "x"), v1::Error::FORBIDDEN);
    meeting_call(host, end_frame(id));
    alice.expect_error(signal_frame(id, "bob", Kind::OFFER, "x"), v1::Error::FORBIDDEN);
}

TEST_P(MeetingMediaTest, signals_are_bounded_in_size_and_rate) {
    // Three signals, then (practically) no refill: the fourth is refused whatever the speed.
    start({"--meeting.signal_burst=3", "--meeting.signals_per_second=0.001"});
    branch({{"alice", "Alice"}, {"bob", "Bob"}});
    auto host = connect("secretary");
    auto alice = connect("alice");
    auto bob = connect("bob");
    const std::string id = live(host);
    meeting_call(alice, join_frame(id));
    meeting_call(bob, join_frame(id));

    const std::string largest(16384, 'a');
    alice.expect_error(signal_frame(id, "bob", Kind::OFFER, largest + "a"), v1::Error::TOO_LARGE);
    send_signal(alice, id, "bob", Kind::OFFER, largest);
    expect_signal(bob, alice, Kind::OFFER, largest);
    send_signal(alice, id, "bob", Kind::ICE, "1");
    send_signal(alice, id, "bob", Kind::ICE, "2");
    alice.expect_error(signal_frame(id, "bob", Kind::ICE, "3"), v1::Error::RATE_LIMITED);
    expect_signal(bob, alice, Kind::ICE, "1");
    expect_signal(bob, alice, Kind::ICE, "2");
    // The bucket is the connection's: bob still has his.
    send_signal(bob, id, "alice", Kind::ANSWER, "a");
    expect_signal(alice, bob, Kind::ANSWER, "a");
    // The connection is not closed for it: other commands go on.
    meeting_call(alice, media_frame(id, true, false));
}

TEST_P(MeetingMediaTest, microphone_and_camera_are_on_the_log_and_hosts_only_turn_them_off) {
    start();
    branch({{"alice", "Alice"}, {"bob", "Bob"}});
    auto host = connect("secretary");
    auto alice = connect("alice");
    auto bob = connect("bob");
    const std::string id = live(host);
    meeting_call(alice, join_frame(id));
    meeting_call(bob, join_frame(id));
    expect_update(bob, Change::SCHEDULED);
    expect_update(bob, Change::STARTED);
    expect_update(bob, Change::JOINED, "alice");
    expect_update(bob, Change::JOINED, "bob");

    const auto reply = meeting_call(alice, media_frame(id, true, true));
    EXPECT_GT(reply.seq(), 0U);
    // The update carries the participant whose media changed (not the whole state).
    const auto update = expect_update(bob, Change::MEDIA, "alice");
    EXPECT_EQ(update.participant().user(), "alice");
    EXPECT_TRUE(update.participant().audio());
    EXPECT_TRUE(update.participant().video());
    // The same again changes nothing.
    EXPECT_EQ(meeting_call(alice, media_frame(id, true, true)).seq(), 0U);

    bob.expect_error(media_frame(id, false, false, "alice"), v1::Error::FORBIDDEN);
    meeting_call(host, media_frame(id, false, true, "alice"));  // the host mutes alice
    const auto muted = expect_update(bob, Change::MEDIA, "alice");
    ASSERT_EQ(muted.participant().user(), "alice");
    EXPECT_FALSE(muted.participant().audio());
    EXPECT_TRUE(muted.participant().video());
    host.expect_error(media_frame(id, true, true, "alice"), v1::Error::FORBIDDEN);  // not on
    host.expect_error(media_frame(id, false, false, "carol"), v1::Error::CONFLICT);
}

TEST_P(MeetingMediaTest, large_meetings_without_an_sfu_are_audio_first) {
    start({"--meeting.max_mesh_peers=2"});
    branch({{"alice", "Alice"}, {"bob", "Bob"}});
    auto host = connect("secretary");
    auto alice = connect("alice");
    auto bob = connect("bob");
    const std::string id = live(host);
    meeting_call(alice, join_frame(id));
    meeting_call(alice, media_frame(id, true, true));  // two participants: a small mesh
    meeting_call(host, join_frame(id));
    meeting_call(bob, join_frame(id));
    EXPECT_EQ(meeting_call(bob, join_frame(id)).media().max_mesh_peers(), 2U);
    bob.expect_error(media_frame(id, true, true), v1::Error::FORBIDDEN);
    meeting_call(bob, media_frame(id, true, false));  // audio is always fine
    meeting_call(host, media_frame(id, true, true));  // the host sends video
    meeting_call(host, floor_frame(id, "bob"));
    meeting_call(bob, media_frame(id, true, true));  // so does the floor holder
}

TEST_P(MeetingMediaTest, ice_servers_carry_turn_credentials_that_coturn_accepts) {
    start(
        {"--meeting.stun_urls=stun:127.0.0.1:3478",
         "--meeting.turn_urls=turn:127.0.0.1:3478?transport=udp, turn:127.0.0.1:3478?transport=tcp",
         "--meeting.turn_secret=muster-turn-secret", "--meeting.turn_ttl_s=600"});
    branch({{"alice", "Alice"}});
    create_group(server(), "other");
    add_member(server(), "other", "mallory");
    auto host = connect("secretary");
    auto alice = connect("alice");
    const std::string id = live(host);
    auto ice = [&](const std::string& meeting, const std::string& user) {
        return http_call(server(), "GET", "/api/v1/meetings/" + meeting + "/ice-servers", {},
                         server().token(user));
    };
    EXPECT_EQ(ice(id, "alice").status, 403);  // a member, not joined
    EXPECT_EQ(ice(id, "mallory").status, 403);
    EXPECT_EQ(ice("mt_nope", "alice").status, 404);
    EXPECT_EQ(http_call(server(), "GET", "/api/v1/meetings/" + id + "/ice-servers").status, 401);

    meeting_call(alice, join_frame(id));
    const std::int64_t now_s = now() / 1000;
    const auto response = ice(id, "alice");
    ASSERT_EQ(response.status, 200) << response.body;
    const auto body = boost::json::parse(response.body).as_object();
    EXPECT_EQ(body.at("ttlS").as_int64(), 600);
    const auto& servers = body.at("iceServers").as_array();
    ASSERT_EQ(servers.size(), 2U) << response.body;
    EXPECT_EQ(servers[0].at("urls").as_array()[0].as_string(), "stun:127.0.0.1:3478");
    const auto& turn = servers[1].as_object();
    ASSERT_EQ(turn.at("urls").as_array().size(), 2U);
    EXPECT_EQ(turn.at("urls").as_array()[1].as_string(), "turn:127.0.0.1:3478?transport=tcp");
    const std::string username(turn.at("username").as_string());
    EXPECT_EQ(username, std::to_string(now_s + 600) + ":alice");
    EXPECT_EQ(std::string(turn.at("credential").as_string()),
              hmac_sha1_base64("muster-turn-secret", username));
}

INSTANTIATE_TEST_SUITE_P(Backends, MeetingMediaTest, testing::ValuesIn(all_backends()),
                         backend_name);

}  // namespace
}  // namespace muster::test
