// APNs, FCM HTTP v1 and HMS Push Kit against a loopback HTTP/2 TLS fake (fakes/
// fake_providers.js) whose certificate comes from a CA this test makes with openssl and hands
// to musterd as push.ca_file. The fake verifies the APNs ES256 provider token, the FCM RS256
// grant, the HMS client credentials, and that every send carries the token it issued.

#include <fstream>

#include "push_fixture.hpp"

namespace muster::test {
namespace {

void openssl(std::vector<std::string> args) {
    ChildProcess process;
    SpawnSpec spec;
    spec.program = "openssl";
    spec.args = std::move(args);
    std::string error;
    ASSERT_TRUE(process.spawn(spec, error)) << error;
    auto status = process.wait(std::chrono::seconds(60));
    ASSERT_TRUE(status && status->clean()) << "openssl " << spec.args[0];
}

class PushProvidersTest : public testing::Test {
  protected:
    void SetUp() override {
        const auto dir = dir_.path();
        auto file = [&](const char* name) { return (dir / name).string(); };
        // A CA, and the fake's certificate for 127.0.0.1 signed by it.
        openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-keyout", file("ca.key"), "-out", file("ca.pem"), "-subj",
                 "/CN=muster test CA", "-days", "2"});
        openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", file("server.key"), "-out", file("server.csr"), "-subj",
                 "/CN=127.0.0.1"});
        std::ofstream(dir / "ext.cnf") << "subjectAltName=IP:127.0.0.1\n";
        openssl({"x509", "-req", "-in", file("server.csr"), "-CA", file("ca.pem"), "-CAkey",
                 file("ca.key"), "-CAcreateserial", "-out", file("server.pem"), "-days", "2",
                 "-extfile", file("ext.cnf")});
        // The APNs .p8 (PKCS#8 P-256) and the FCM service account's RSA key.
        openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
                 file("apns.p8")});
        openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                 file("sa.pem")});
        std::ofstream(dir / "config.json")
            << R"({"apnsKeyId":"KEY123","apnsTeamId":"TEAM456","fcmEmail":"push@muster-test.iam.example",)"
            << R"("hmsAppId":"10086","hmsSecret":"hms-secret"})";

        SpawnSpec spec;
        spec.program = "node";
        spec.args = {std::string(MUSTER_PUSH_FAKES_DIR) + "/fake_providers.js", dir.string()};
        spec.env = {{"NODE_PATH", MUSTER_PUSH_NODE_MODULES}};
        std::string error;
        ASSERT_TRUE(fake_.spawn(spec, error)) << error;
        auto ready = fake_.wait_for_line(
            [](std::string_view line) { return line.find("\"ready\"") != std::string::npos; },
            std::chrono::seconds(30));
        ASSERT_TRUE(ready) << fake_.output();
        base_ = "https://127.0.0.1:" +
                std::to_string(json::parse(*ready).as_object().at("port").to_number<int>());

        std::ifstream key_in(dir / "sa.pem");
        const std::string sa_key((std::istreambuf_iterator<char>(key_in)), {});
        std::ofstream(dir / "sa.json")
            << json::serialize(json::object{{"type", "service_account"},
                                            {"project_id", "muster-test"},
                                            {"private_key_id", "k1"},
                                            {"private_key", sa_key},
                                            {"client_email", "push@muster-test.iam.example"},
                                            {"token_uri", base_ + "/oauth/google"}});

        args_ = push_args(make_vapid_key(dir));
        for (std::string arg :
             {"--push.ca_file=" + file("ca.pem"), "--push.apns_key_file=" + file("apns.p8"),
              std::string("--push.apns_key_id=KEY123"), std::string("--push.apns_team_id=TEAM456"),
              "--push.apns_url=" + base_, "--push.fcm_service_account_file=" + file("sa.json"),
              "--push.fcm_url=" + base_, std::string("--push.hms_app_id=10086"),
              std::string("--push.hms_client_secret=hms-secret"), "--push.hms_url=" + base_,
              "--push.hms_token_url=" + base_ + "/oauth/huawei"})
            args_.push_back(arg);
        ServerOptions options;
        options.args = args_;
        server_ = std::make_unique<ServerProcess>(std::move(options));
        ASSERT_TRUE(server_->start());
        organise(*server_);
    }

    // The fake's events of `kind` so far.
    std::vector<json::object> events(const std::string& kind) {
        std::vector<json::object> out;
        std::istringstream lines(fake_.output());
        for (std::string line; std::getline(lines, line);) {
            boost::system::error_code ec;
            auto v = json::parse(line, ec);
            if (!ec && v.is_object() && v.as_object().at("event").as_string() == kind)
                out.push_back(v.as_object());
        }
        return out;
    }

    // Waits until the fake has logged `count` events of `kind` (or the default wait passed).
    std::vector<json::object> wait_events(const std::string& kind, std::size_t count) {
        const auto deadline = std::chrono::steady_clock::now() + default_wait;
        for (;;) {
            auto out = events(kind);
            if (out.size() >= count || std::chrono::steady_clock::now() > deadline) return out;
            const std::int64_t last = last_sequence(fake_.output());
            fake_.wait_for_line(
                [last](std::string_view line) { return event_sequence(line) > last; },
                std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now()));
        }
    }

    // The fixture's musterd options with one of them ("--push.KEY=") given another value.
    ServerOptions with_option(const std::string& option, const std::string& value) const {
        ServerOptions options;
        options.args = args_;
        for (auto& arg : options.args)
            if (arg.starts_with(option)) arg = option + value;
        return options;
    }

    TempDir dir_;
    ChildProcess fake_;
    std::string base_;               // the fake's https://127.0.0.1:PORT
    std::vector<std::string> args_;  // musterd's push options
    std::unique_ptr<ServerProcess> server_;
};

TEST_F(PushProvidersTest, apns_fcm_and_hms_each_deliver_with_their_own_auth) {
    register_device(*server_, "liming", "iphone",
                    {{"kind", "apns"},
                     {"token", "ok-apns-liming"},
                     {"topic", "org.muster.app"},
                     {"environment", "sandbox"}});
    register_device(*server_, "zhangfang", "pixel",
                    {{"kind", "fcm"}, {"token", "ok-fcm-zhangfang"}});
    register_device(*server_, "heping", "huawei",
                    {{"kind", "hms"}, {"token", "ok-hms-heping"}, {"locale", "en"}});
    const std::string call = create_call(*server_, 3, true, now_ms() + 3600000);

    const auto apns = wait_events("apns", 1);
    ASSERT_EQ(apns.size(), 1U) << fake_.output();
    EXPECT_TRUE(apns[0].at("ok").as_bool()) << json::serialize(apns[0]);
    EXPECT_EQ(apns[0].at("status").to_number<int>(), 200);
    const auto& aps = apns[0].at("payload").at("aps").as_object();
    EXPECT_EQ(aps.at("alert").at("title").as_string(), "重华 · 门岗: 登记, 测体温");
    EXPECT_EQ(apns[0].at("payload").at("data").at("callId").as_string(), call);
    // A duplicate of the same intent (delivery is at least once) replaces this one on the phone.
    const std::string apns_intent(apns[0].at("payload").at("data").at("intent").as_string());
    ASSERT_TRUE(apns[0].contains("collapseId")) << json::serialize(apns[0]);
    EXPECT_EQ(apns[0].at("collapseId").as_string(), "intent-" + apns_intent);

    const auto fcm = wait_events("fcm", 1);
    ASSERT_EQ(fcm.size(), 1U) << fake_.output();
    EXPECT_TRUE(fcm[0].at("ok").as_bool());
    EXPECT_EQ(fcm[0].at("status").to_number<int>(), 200);
    const auto& message = fcm[0].at("payload").at("message").as_object();
    EXPECT_EQ(message.at("token").as_string(), "ok-fcm-zhangfang");
    EXPECT_EQ(message.at("android").at("priority").as_string(), "HIGH");
    EXPECT_EQ(message.at("data").at("callId").as_string(), call);
    EXPECT_EQ(message.at("android").at("notification").at("tag").as_string(),
              "intent-" + std::string(message.at("data").at("intent").as_string()));

    const auto hms = wait_events("hms", 1);
    ASSERT_EQ(hms.size(), 1U) << fake_.output();
    EXPECT_TRUE(hms[0].at("ok").as_bool());
    const auto& hms_message = hms[0].at("payload").at("message").as_object();
    EXPECT_NE(std::string(hms_message.at("notification").at("body").as_string())
                  .find("more people needed"),
              std::string::npos);
    EXPECT_NE(std::string(hms_message.at("data").as_string()).find(call), std::string::npos);
    const auto& shown = hms_message.at("android").at("notification");
    EXPECT_EQ(shown.at("click_action").at("type").to_number<int>(), 3);  // opens the app
    EXPECT_EQ(std::string(shown.at("tag").as_string()).rfind("intent-", 0), 0U)
        << json::serialize(shown);

    // Both OAuth grants were verified by the fake.
    const auto tokens = wait_events("token", 2);
    ASSERT_EQ(tokens.size(), 2U);
    for (const auto& t : tokens) EXPECT_TRUE(t.at("ok").as_bool()) << json::serialize(t);
}

TEST_F(PushProvidersTest, unregistered_tokens_delete_their_devices) {
    register_device(*server_, "liming", "iphone",
                    {{"kind", "apns"}, {"token", "gone-apns"}, {"topic", "org.muster.app"}});
    register_device(*server_, "liming", "pixel", {{"kind", "fcm"}, {"token", "gone-fcm"}});
    register_device(*server_, "liming", "huawei", {{"kind", "hms"}, {"token", "gone-hms"}});
    create_call(*server_, 1, true, now_ms() + 3600000);
    EXPECT_EQ(wait_events("apns", 1).size(), 1U);
    EXPECT_EQ(wait_events("fcm", 1).size(), 1U);
    EXPECT_EQ(wait_events("hms", 1).size(), 1U);
    const auto deadline = std::chrono::steady_clock::now() + default_wait;
    std::string body;
    do {
        body = http_call(*server_, "GET", "/api/v1/devices", {}, server_->token("liming")).body;
    } while (body != R"({"devices":[]})" && std::chrono::steady_clock::now() < deadline);
    EXPECT_EQ(body, R"({"devices":[]})") << fake_.output();
}

// TLS verification is on: a node that trusts another CA than the one that signed the fake's
// certificate refuses the handshake and sends the provider nothing.
TEST_F(PushProvidersTest, a_provider_whose_certificate_no_trusted_ca_signed_gets_nothing) {
    const auto other_ca = (dir_.path() / "other-ca.pem").string();
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", (dir_.path() / "other-ca.key").string(), "-out", other_ca, "-subj",
             "/CN=another CA", "-days", "2"});
    ServerProcess other(with_option("--push.ca_file=", other_ca));
    ASSERT_TRUE(other.start());
    organise(other);
    register_device(other, "liming", "iphone",
                    {{"kind", "apns"}, {"token", "ok-apns-liming"}, {"topic", "org.muster.app"}});
    create_call(other, 1, true, now_ms() + 3600000);

    const auto refused = wait_events("tls-error", 1);
    ASSERT_GE(refused.size(), 1U) << fake_.output();  // retries (100 ms apart) refuse again
    EXPECT_NE(std::string(refused[0].at("error").as_string()).find("unknown ca"), std::string::npos)
        << json::serialize(refused[0]);
    EXPECT_TRUE(events("apns").empty()) << fake_.output();
}

// The fake remembers a provider token it verified, but only by its exact text: a node that signs
// with another key (same key id and team) is refused with 403 InvalidProviderToken, also after
// the right key's token was remembered.
TEST_F(PushProvidersTest, a_provider_token_signed_with_another_key_is_refused) {
    register_device(*server_, "liming", "iphone",
                    {{"kind", "apns"}, {"token", "ok-apns-liming"}, {"topic", "org.muster.app"}});
    create_call(*server_, 1, true, now_ms() + 3600000);
    const auto first = wait_events("apns", 1);
    ASSERT_EQ(first.size(), 1U) << fake_.output();
    EXPECT_TRUE(first[0].at("ok").as_bool()) << json::serialize(first[0]);

    const auto other_key = (dir_.path() / "other.p8").string();
    openssl(
        {"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", other_key});
    ServerProcess other(with_option("--push.apns_key_file=", other_key));
    ASSERT_TRUE(other.start());
    organise(other);
    register_device(
        other, "zhangfang", "iphone",
        {{"kind", "apns"}, {"token", "ok-apns-zhangfang"}, {"topic", "org.muster.app"}});
    create_call(other, 1, true, now_ms() + 3600000);
    const auto both = wait_events("apns", 2);
    ASSERT_GE(both.size(), 2U) << fake_.output();
    EXPECT_EQ(both[1].at("path").as_string(), "/3/device/ok-apns-zhangfang");
    EXPECT_FALSE(both[1].at("ok").as_bool()) << json::serialize(both[1]);
    EXPECT_EQ(both[1].at("status").to_number<int>(), 403);
}

// push.ca_file is read at start: a file with no certificate in it stops the node with a message
// that names it, instead of failing every push later.
TEST_F(PushProvidersTest, a_ca_file_without_a_certificate_stops_the_start) {
    const auto key_only = (dir_.path() / "server.key").string();
    ServerProcess bad(with_option("--push.ca_file=", key_only));
    EXPECT_FALSE(bad.start());
    EXPECT_NE(bad.log_text().find("cannot read a CA certificate from " + key_only),
              std::string::npos)
        << bad.log_text();
}

}  // namespace
}  // namespace muster::test
