// muster-cli finds its server the way an operator's commands expect: the address from
// --config (`listen` under [server]) when no -s is given, and several servers (-s repeated, or
// a comma list) to fail over between when a node is down.

#include <fstream>

#include <gtest/gtest.h>

#include "support/backend.hpp"
#include "support/free_port.hpp"
#include "support/harness.hpp"

namespace muster::test {
namespace {

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

class CliServersTest : public testing::TestWithParam<Backend> {};

// The README's commands pass only --config: the address and the secret both come from it.
// Several servers: the first one reachable is used (a node that is down is skipped).
TEST_P(CliServersTest, address_comes_from_config_and_commands_fail_over_between_servers) {
    NodeUnderTest node(GetParam());
    ASSERT_TRUE(node.start());
    ServerProcess& server = node.server();
    create_group(server, "chonghua");
    add_member(server, "chonghua", "wangxg");
    TempDir dir("cli-config");
    const auto config = (dir.path() / "musterd.conf").string();
    {
        std::ofstream out(config);
        // A wildcard listen address is reached on the loopback, as on the node's own machine.
        out << "[server]\nlisten = 0.0.0.0:" << server.port()
            << "\n[auth]\njwt_secret = " << server.jwt_secret() << "\n";
    }
    auto out = run_cli(
        {"send", "--config", config, "--user", "wangxg", "--group", "chonghua", "来自配置"});
    EXPECT_NE(out.find("seq 1"), std::string::npos) << out;

    const std::string down = "127.0.0.1:" + std::to_string(free_loopback_port());
    // Repeated -s.
    out = run_cli({"send", "--config", config, "-s", down, "-s", server.endpoint(), "--user",
                   "wangxg", "--group", "chonghua", "第二条"});
    EXPECT_NE(out.find("seq 2"), std::string::npos) << out;
    // A comma list, and the HTTP commands too.
    out = run_cli({"history", "--config", config, "-s", down + "," + server.endpoint(), "--user",
                   "wangxg", "--group", "chonghua"});
    EXPECT_NE(out.find("第二条"), std::string::npos) << out;
    out = run_cli({"http", "--config", config, "-s", down + ", " + server.endpoint(), "--user",
                   "wangxg", "GET", "/api/v1/groups"});
    EXPECT_NE(out.find("chonghua"), std::string::npos) << out;
    // None reachable: a failure that says how many were tried.
    out = run_cli({"send", "--config", config, "-s", down + "," + down, "--user", "wangxg",
                   "--group", "chonghua", "nowhere"},
                  /*must_succeed=*/false);
    EXPECT_NE(out.find("tried 2 servers"), std::string::npos) << out;
    // A refusal from a server is final, not a reason to try the next.
    out = run_cli({"send", "--config", config, "-s", server.endpoint() + "," + down, "--user",
                   "stranger", "--group", "chonghua", "x"},
                  /*must_succeed=*/false);
    EXPECT_NE(out.find("FORBIDDEN"), std::string::npos) << out;
    EXPECT_EQ(out.find("tried"), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(Backends, CliServersTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test
