// Meetings on a real Janus (its VideoRoom plugin), started by the test on a loopback port: the
// room is made when a meeting of a large branch starts, admits exactly the participants'
// tokens (asked of Janus by joining with them), sends out who leaves or is dropped, and is gone
// when the meeting ends; a small branch stays a mesh; an unreachable Janus delays nothing
// beyond its bounded retries and leaves the meeting audio-first; a Janus that restarted gets
// the room again as participants rejoin.

#include <fstream>

#include <boost/json.hpp>

#include "core/sfu_token.hpp"
#include "meeting_fixture.hpp"
#include "muster/http.hpp"
#include "support/child_process.hpp"
#include "support/free_port.hpp"
#include "support/temp_dir.hpp"

namespace muster::test {
namespace {

namespace json = boost::json;

constexpr const char* sfu_secret = "janus-test-secret-0123456789abcdef";

// janus -F <dir>: HTTP API on 127.0.0.1:<port>/janus, the VideoRoom plugin alone, rooms made
// only with the admin key.
class JanusProcess {
  public:
    bool start(std::string& error) {
        port_ = free_loopback_port();
        const auto dir = dir_.path();
        const std::string lib = "/usr/lib/x86_64-linux-gnu/janus";
        write(dir / "janus.jcfg",
              "general: {\n configs_folder = \"" + dir.string() + "\"\n plugins_folder = \"" + lib +
                  "/plugins\"\n transports_folder = \"" + lib +
                  "/transports\"\n events_folder = \"" + lib + "/events\"\n loggers_folder = \"" +
                  lib +
                  "/loggers\"\n debug_level = 4\n session_timeout = 60\n}\n"
                  "nat: {\n ice_enforce_list = \"lo\"\n ignore_mdns = true\n}\n"
                  "plugins: {\n disable = \"libjanus_audiobridge.so,libjanus_duktape.so,"
                  "libjanus_echotest.so,libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,"
                  "libjanus_sip.so,libjanus_streaming.so,libjanus_textroom.so,"
                  "libjanus_videocall.so,libjanus_voicemail.so\"\n}\n"
                  "transports: {\n disable = \"libjanus_websockets.so,libjanus_mqtt.so,"
                  "libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so\"\n}\n"
                  "events: {\n broadcast = false\n}\n"
                  "loggers: {\n disable = \"libjanus_jsonlog.so\"\n}\n");
        write(dir / "janus.transport.http.jcfg",
              "general: {\n json = \"compact\"\n base_path = \"/janus\"\n http = true\n port = " +
                  std::to_string(port_) +
                  "\n ip = \"127.0.0.1\"\n https = false\n}\nadmin: {\n admin_http = false\n}\n");
        write(dir / "janus.plugin.videoroom.jcfg",
              std::string("general: {\n admin_key = \"") + sfu_secret + "\"\n}\n");
        return spawn(error);
    }

    // Kills Janus (every room and session gone with it) and starts it again on the same port.
    bool restart(std::string& error) {
        process_->kill();
        return spawn(error);
    }

    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] std::string url() const {
        return "http://127.0.0.1:" + std::to_string(port_) + "/janus";
    }

  private:
    bool spawn(std::string& error) {
        const auto program = find_in_path("janus");
        if (program.empty()) {
            error = "janus is not installed (scripts/bootstrap.sh installs it)";
            return false;
        }
        const auto dir = dir_.path();
        process_ = std::make_unique<ChildProcess>();
        if (!process_->spawn({program.string(), {"-F", dir.string()}, {}, dir / "stderr.log", {}},
                             error)) {
            return false;
        }
        std::string why;
        if (!process_->wait_for_line(
                [](std::string_view line) {
                    return line.find("REST (HTTP/HTTPS) transport plugin initialized") !=
                           std::string_view::npos;
                },
                std::chrono::seconds(20), &why)) {
            error = "janus did not start (" + why + "):\n" + process_->output();
            return false;
        }
        return true;
    }

    static void write(const std::filesystem::path& path, const std::string& text) {
        std::ofstream(path) << text;
    }

    TempDir dir_{"janus"};
    std::uint16_t port_ = 0;
    std::unique_ptr<ChildProcess> process_;
};

// A Janus API client of the test's own: what a browser would do, minus the media.
class JanusProbe {
  public:
    explicit JanusProbe(std::uint16_t port) : port_(port) {
        session_ = id_of(post("/janus", {{"janus", "create"}}));
        handle_ = id_of(
            post(session_path(), {{"janus", "attach"}, {"plugin", "janus.plugin.videoroom"}}));
    }
    ~JanusProbe() { (void)post(session_path(), {{"janus", "destroy"}}); }
    JanusProbe(const JanusProbe&) = delete;
    JanusProbe& operator=(const JanusProbe&) = delete;

    // A synchronous VideoRoom request (exists, list, listparticipants): plugindata.data.
    json::object request(json::object body) {
        auto reply = post(handle_path(), {{"janus", "message"}, {"body", std::move(body)}});
        return reply["plugindata"].as_object()["data"].as_object();
    }
    bool exists(std::uint64_t room) {
        return request({{"request", "exists"}, {"room", room}})["exists"].as_bool();
    }
    // Joins `room` as a publisher with `token`: the plugin's answer ("joined", or an error).
    json::object join(std::uint64_t room, const std::string& token, const std::string& display) {
        auto ack = post(handle_path(), {{"janus", "message"},
                                        {"body",
                                         {{"request", "join"},
                                          {"ptype", "publisher"},
                                          {"room", room},
                                          {"token", token},
                                          {"display", display}}}});
        EXPECT_EQ(ack["janus"].as_string(), "ack") << json::serialize(ack);
        return next_event();
    }
    // The next asynchronous VideoRoom event of this session (Janus's long poll answers within
    // 30 s, with a keepalive when nothing happened).
    json::object next_event() {
        for (int i = 0; i < 3; ++i) {
            auto event = get(session_path() + "?maxev=1");
            if (event.is_array() && !event.as_array().empty()) event = event.as_array()[0];
            if (!event.is_object()) continue;
            auto& o = event.as_object();
            if (o.contains("plugindata")) return o["plugindata"].as_object()["data"].as_object();
        }
        ADD_FAILURE() << "no event from Janus";
        return {};
    }
    std::vector<std::string> participants(std::uint64_t room) {
        std::vector<std::string> out;
        auto data = request({{"request", "listparticipants"}, {"room", room}});
        if (!data.contains("participants")) return out;
        for (const auto& p : data["participants"].as_array())
            out.emplace_back(p.as_object().at("display").as_string());
        return out;
    }

  private:
    std::string session_path() const { return "/janus/" + std::to_string(session_); }
    std::string handle_path() const { return session_path() + "/" + std::to_string(handle_); }
    static std::uint64_t id_of(json::object reply) {
        return reply["data"].as_object()["id"].to_number<std::uint64_t>();
    }
    json::value call(const std::string& method, const std::string& target, std::string body) {
        client::HttpRequest request;
        request.port = port_;
        request.method = method;
        request.target = target;
        request.body = std::move(body);
        auto response = client::http_request(request);
        if (!response) {
            ADD_FAILURE() << "Janus: " << response.failure().describe();
            return json::object{};
        }
        return json::parse(response.value().body);
    }
    json::object post(const std::string& target, json::object message) {
        message["transaction"] = "t" + std::to_string(++transaction_);
        auto value = call("POST", target, json::serialize(message));
        return value.is_object() ? value.as_object() : json::object{};
    }
    json::value get(const std::string& target) { return call("GET", target, {}); }

    std::uint16_t port_;
    std::uint64_t session_ = 0;
    std::uint64_t handle_ = 0;
    int transaction_ = 0;
};

class MeetingSfuTest : public MeetingTest {
  protected:
    void start_with_janus(std::vector<std::string> extra = {}) {
        std::string error;
        ASSERT_TRUE(janus_.start(error)) << error;
        std::vector<std::string> args = {"--meeting.max_mesh_peers=2",
                                         "--meeting.sfu_url=" + janus_.url(),
                                         std::string("--meeting.sfu_secret=") + sfu_secret};
        args.insert(args.end(), extra.begin(), extra.end());
        start(args);
    }
    v1::MeetingReply join(TestClient& client, const std::string& id) {
        return meeting_call(client, join_frame(id));
    }
    static std::string token(std::uint64_t room, const std::string& user) {
        return sfu_token(sfu_secret, room, user);
    }

    JanusProcess janus_;
};

TEST_P(MeetingSfuTest, a_large_branch_meets_in_a_janus_room_that_admits_only_its_participants) {
    start_with_janus();
    branch({{"alice", "王丽"}, {"bob", "Bob"}, {"carol", "Carol"}});  // 4 members > 2
    auto host = connect("secretary", "书记");
    auto alice = connect("alice", "王丽");
    auto bob = connect("bob", "Bob");
    auto carol = connect("carol", "Carol");
    const std::string id = schedule(host);
    const auto early = join(alice, id);  // before the start: no room yet
    EXPECT_EQ(early.media().mode(), v1::MeetingMedia::MESH);
    const std::uint64_t room = sfu_room_id(id);
    JanusProbe probe(janus_.port());
    EXPECT_FALSE(probe.exists(room));

    meeting_call(host, start_frame(id));
    EXPECT_TRUE(probe.exists(room));
    // Alice, who joined early, was admitted with the room; she learns where it is.
    const auto got = meeting_call(alice, get_frame(id));
    ASSERT_EQ(got.media().mode(), v1::MeetingMedia::SFU);
    EXPECT_EQ(got.media().sfu_url(), janus_.url());
    EXPECT_EQ(got.media().room(), std::to_string(room));
    EXPECT_EQ(got.media().token(), token(room, "alice"));
    EXPECT_EQ(probe.join(room, got.media().token(), "alice")["videoroom"].as_string(), "joined");

    // Bob joins after the start: the reply's token admits him, and only him, only here.
    const auto bob_joined = join(bob, id);
    ASSERT_EQ(bob_joined.media().mode(), v1::MeetingMedia::SFU);
    EXPECT_NE(bob_joined.media().token(), got.media().token());
    {
        JanusProbe other(janus_.port());
        EXPECT_EQ(other.join(room, bob_joined.media().token(), "bob")["videoroom"].as_string(),
                  "joined");
    }
    JanusProbe bob_in_room(janus_.port());
    EXPECT_EQ(bob_in_room.join(room, bob_joined.media().token(), "bob")["videoroom"].as_string(),
              "joined");
    {
        JanusProbe stranger(janus_.port());  // carol has not joined: her token is not on the list
        auto refused = stranger.join(room, token(room, "carol"), "carol");
        EXPECT_EQ(refused["error_code"].to_number<int>(), 433) << json::serialize(refused);
        JanusProbe forger(janus_.port());
        auto wrong = forger.join(room, "0123456789abcdef0123456789abcdef", "carol");
        EXPECT_EQ(wrong["error_code"].to_number<int>(), 433) << json::serialize(wrong);
    }
    // Nor does a token of another meeting admit anyone here.
    EXPECT_NE(token(sfu_room_id("mt_other"), "bob"), bob_joined.media().token());

    // Bob leaves: by the reply, his token is off the list and he is out of the room.
    const auto before = probe.participants(room);
    EXPECT_NE(std::ranges::find(before, "bob"), before.end());
    meeting_call(bob, leave_frame(id));
    const auto after = probe.participants(room);
    EXPECT_EQ(std::ranges::find(after, "bob"), after.end());
    {
        JanusProbe again(janus_.port());
        auto refused = again.join(room, bob_joined.media().token(), "bob");
        EXPECT_EQ(refused["error_code"].to_number<int>(), 433) << json::serialize(refused);
    }

    // Everyone in an SFU meeting may send video (not audio-first).
    join(carol, id);
    join(host, id);
    meeting_call(carol, media_frame(id, true, true));

    // The end: the room is gone when the reply comes.
    meeting_call(host, end_frame(id));
    EXPECT_FALSE(probe.exists(room));
    // meeting_get after the end: nobody is a participant, so no media any more.
    EXPECT_FALSE(meeting_call(host, get_frame(id)).has_media());
}

TEST_P(MeetingSfuTest, a_small_branch_stays_a_mesh_and_no_room_is_made) {
    start_with_janus();
    branch({{"alice", "王丽"}});  // 2 members: a mesh suffices
    auto host = connect("secretary");
    auto alice = connect("alice");
    const std::string id = schedule(host);
    meeting_call(host, start_frame(id));
    const auto joined = join(alice, id);
    EXPECT_EQ(joined.media().mode(), v1::MeetingMedia::MESH);
    EXPECT_TRUE(joined.media().token().empty());
    JanusProbe probe(janus_.port());
    EXPECT_FALSE(probe.exists(sfu_room_id(id)));
}

TEST_P(MeetingSfuTest, an_unreachable_janus_leaves_the_meeting_audio_first) {
    // Nothing listens there: each try is refused at once; two tries, then the meeting starts.
    start({"--meeting.max_mesh_peers=2",
           "--meeting.sfu_url=http://127.0.0.1:" + std::to_string(free_loopback_port()) + "/janus",
           std::string("--meeting.sfu_secret=") + sfu_secret, "--meeting.sfu_attempts=2"});
    branch({{"alice", "王丽"}, {"bob", "Bob"}});
    auto host = connect("secretary");
    auto alice = connect("alice");
    auto bob = connect("bob");
    const std::string id = schedule(host);
    EXPECT_EQ(meeting_call(host, start_frame(id)).state().phase(), v1::MeetingState::LIVE);
    join(host, id);
    join(alice, id);
    const auto joined = join(bob, id);
    EXPECT_EQ(joined.media().mode(), v1::MeetingMedia::MESH);
    // Three participants over max_mesh_peers without a room: audio-first.
    bob.expect_error(media_frame(id, true, true), v1::Error::FORBIDDEN);
    meeting_call(host, media_frame(id, true, true));  // the host still may
}

TEST_P(MeetingSfuTest, a_participant_dropped_by_the_grace_timer_is_sent_out) {
    start_with_janus();
    branch({{"alice", "王丽"}, {"bob", "Bob"}});
    auto host = connect("secretary");
    auto alice = std::make_unique<TestClient>(connect("alice"));
    const std::string id = schedule(host);
    meeting_call(host, start_frame(id));
    const auto joined = join(*alice, id);
    ASSERT_EQ(joined.media().mode(), v1::MeetingMedia::SFU);
    const std::uint64_t room = sfu_room_id(id);
    for (auto change : {Change::SCHEDULED, Change::STARTED, Change::JOINED}) {
        expect_update(host, change);
    }
    JanusProbe in_room(janus_.port());  // alice's browser, in the room
    EXPECT_EQ(in_room.join(room, joined.media().token(), "alice")["videoroom"].as_string(),
              "joined");
    alice->abort();  // her phone loses Muster, and does not come back within the grace
    expect_update(host, Change::AWAY, "alice");
    advance(grace_ms);
    expect_update(host, Change::DROPPED, "alice");
    // The drop's Janus work runs behind the timer: Janus tells her session she was sent out.
    const auto kicked = in_room.next_event();
    const json::value* leaving = kicked.if_contains("leaving");
    EXPECT_TRUE(leaving != nullptr && leaving->is_string() && leaving->as_string() == "ok")
        << json::serialize(kicked);
    JanusProbe again(janus_.port());
    auto refused = again.join(room, joined.media().token(), "alice");
    EXPECT_EQ(refused["error_code"].to_number<int>(), 433) << json::serialize(refused);
}

TEST_P(MeetingSfuTest, a_janus_that_restarted_gets_the_room_again_as_participants_rejoin) {
    start_with_janus();
    branch({{"alice", "王丽"}, {"bob", "Bob"}});
    auto host = connect("secretary");
    auto alice = connect("alice");
    const std::string id = schedule(host);
    meeting_call(host, start_frame(id));
    const std::uint64_t room = sfu_room_id(id);
    ASSERT_EQ(join(alice, id).media().mode(), v1::MeetingMedia::SFU);
    std::string error;
    ASSERT_TRUE(janus_.restart(error)) << error;
    JanusProbe probe(janus_.port());
    EXPECT_FALSE(probe.exists(room));  // Janus keeps rooms in memory only
    // Alice's browser lost its Janus session and joins the meeting again: the room is back and
    // admits her.
    const auto again = join(alice, id);
    EXPECT_TRUE(probe.exists(room));
    EXPECT_EQ(probe.join(room, again.media().token(), "alice")["videoroom"].as_string(), "joined");
    JanusProbe stranger(janus_.port());
    auto refused = stranger.join(room, token(room, "bob"), "bob");  // bob has not joined
    EXPECT_EQ(refused["error_code"].to_number<int>(), 433) << json::serialize(refused);
}

INSTANTIATE_TEST_SUITE_P(Backends, MeetingSfuTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test
