// The README's promise: `muster-cli listen` in one terminal sees `muster-cli send` from another.

#include <csignal>
#include <fstream>

#include "session_fixture.hpp"

namespace muster::test {
namespace {

class CliTest : public SessionTest {};

TEST_P(CliTest, listen_sees_what_send_sends) {
    start();
    group_with("chonghua", {"liming", "wangxg"});

    ChildProcess listener;
    std::string error;
    SpawnSpec listen;
    listen.program = bin_path("muster-cli").string();
    listen.args = {"listen",  "--server", server().endpoint(), "--user", "liming",
                   "--group", "chonghua", "--since",           "0"};
    listen.env = {{"MUSTER_JWT_SECRET", server().jwt_secret()}};
    ASSERT_TRUE(listener.spawn(listen, error)) << error;

    ChildProcess sender;
    SpawnSpec send;
    send.program = bin_path("muster-cli").string();
    send.args = {"send",   "--server", server().endpoint(), "--user",
                 "wangxg", "--group",  "chonghua",          "今天下午门岗需要两位志愿者"};
    send.env = {{"MUSTER_JWT_SECRET", server().jwt_secret()}};
    ASSERT_TRUE(sender.spawn(send, error)) << error;
    // Its output line first (wait() may reap it before the last line is read), then its exit.
    const auto seq_line = sender.wait_for_line(
        [](std::string_view l) { return l.rfind("seq ", 0) == 0; }, default_wait);
    ASSERT_TRUE(seq_line) << sender.output();
    EXPECT_EQ(*seq_line, "seq 1");
    const auto sent = sender.wait(default_wait);
    ASSERT_TRUE(sent && sent->clean()) << sender.output();

    const auto line = listener.wait_for_line(
        [](std::string_view l) {
            return l.find("今天下午门岗需要两位志愿者") != std::string_view::npos;
        },
        default_wait);
    ASSERT_TRUE(line) << listener.output();
    EXPECT_NE(line->find("wangxg"), std::string::npos);
    listener.signal(SIGINT);
    const auto stopped = listener.wait(default_wait);
    ASSERT_TRUE(stopped);
    EXPECT_TRUE(stopped->clean()) << stopped->describe();
}

// Runs muster-cli to the end; returns its stdout and stderr. It must succeed, or fail.
std::string run_cli(std::vector<std::string> args, bool must_succeed = true) {
    TempDir dir("cli-run");
    ChildProcess cli;
    std::string error;
    SpawnSpec spec;
    spec.program = bin_path("muster-cli").string();
    spec.args = std::move(args);
    spec.env = {{"MUSTER_SERVER", ""}, {"MUSTER_JWT_SECRET", ""}};
    spec.stderr_path = dir.path() / "stderr";
    EXPECT_TRUE(cli.spawn(spec, error)) << error;
    const auto exit = cli.wait(default_wait);
    EXPECT_TRUE(exit.has_value()) << cli.output();
    if (exit) {
        EXPECT_EQ(exit->clean(), must_succeed) << exit->describe() << "\n" << cli.output();
    }
    std::ifstream in(spec.stderr_path);
    return cli.output() + std::string(std::istreambuf_iterator<char>(in), {});
}

// The README's commands pass only --config: the address and the secret both come from it.
// Several servers: the first one reachable is used (a node that is down is skipped).
TEST_P(CliTest, address_comes_from_config_and_commands_fail_over_between_servers) {
    start();
    group_with("chonghua", {"wangxg"});
    TempDir dir("cli-config");
    const auto config = (dir.path() / "musterd.conf").string();
    {
        std::ofstream out(config);
        // A wildcard listen address is reached on the loopback, as on the node's own machine.
        const std::string port = server().endpoint().substr(server().endpoint().rfind(':') + 1);
        out << "[server]\nlisten = 0.0.0.0:" << port
            << "\n[auth]\njwt_secret = " << server().jwt_secret() << "\n";
    }
    auto out = run_cli(
        {"send", "--config", config, "--user", "wangxg", "--group", "chonghua", "来自配置"});
    EXPECT_NE(out.find("seq 1"), std::string::npos) << out;

    const std::string down = "127.0.0.1:" + std::to_string(free_loopback_port());
    // Repeated -s.
    out = run_cli({"send", "--config", config, "-s", down, "-s", server().endpoint(), "--user",
                   "wangxg", "--group", "chonghua", "第二条"});
    EXPECT_NE(out.find("seq 2"), std::string::npos) << out;
    // A comma list, and the HTTP commands too.
    out = run_cli({"history", "--config", config, "-s", down + "," + server().endpoint(), "--user",
                   "wangxg", "--group", "chonghua"});
    EXPECT_NE(out.find("第二条"), std::string::npos) << out;
    out = run_cli({"http", "--config", config, "-s", down + ", " + server().endpoint(), "--user",
                   "wangxg", "GET", "/api/v1/groups"});
    EXPECT_NE(out.find("chonghua"), std::string::npos) << out;
    // None reachable: a failure that says how many were tried.
    out = run_cli({"send", "--config", config, "-s", down + "," + down, "--user", "wangxg",
                   "--group", "chonghua", "nowhere"},
                  /*must_succeed=*/false);
    EXPECT_NE(out.find("tried 2 servers"), std::string::npos) << out;
    // A refusal from a server is final, not a reason to try the next.
    out = run_cli({"send", "--config", config, "-s", server().endpoint() + "," + down, "--user",
                   "stranger", "--group", "chonghua", "x"},
                  /*must_succeed=*/false);
    EXPECT_NE(out.find("FORBIDDEN"), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(Backends, CliTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test
