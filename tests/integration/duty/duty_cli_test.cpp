// The issue's scenario from the command line: a coordinator broadcasts a call with
// `muster-cli duty create`, a volunteer listening sees it and accepts with `duty respond`, the
// coordinator reads the record with `duty show` and `duty list`, and closes it.

#include <csignal>
#include <fstream>
#include <iterator>

#include "duty_fixture.hpp"

namespace muster::test {
namespace {

class DutyCliTest : public DutyTest {
  protected:
    // Runs muster-cli as `user` to its end; its stdout, then its stderr.
    std::string cli(const std::string& user, std::vector<std::string> args, bool ok = true) {
        ChildProcess process;
        std::string error;
        SpawnSpec spec;
        spec.program = bin_path("muster-cli").string();
        spec.args = std::move(args);
        spec.args.insert(spec.args.end(), {"--server", server().endpoint(), "--user", user});
        spec.env = {{"MUSTER_JWT_SECRET", server().jwt_secret()}};
        static int runs = 0;
        spec.stderr_path = server().data_dir() / ("cli-" + std::to_string(++runs) + ".err");
        EXPECT_TRUE(process.spawn(spec, error)) << error;
        // Read stdout to its end first: wait() may reap the child before the harness's drain
        // thread has read its last lines.
        (void)process.wait_for_line([](std::string_view) { return false; }, default_wait);
        const auto exit = process.wait(default_wait);
        EXPECT_TRUE(exit.has_value()) << process.output();
        if (exit) {
            EXPECT_EQ(exit->clean(), ok) << exit->describe() << "\n" << process.output();
        }
        std::ifstream err(spec.stderr_path);
        return process.output() + std::string(std::istreambuf_iterator<char>(err), {});
    }
};

TEST_P(DutyCliTest, create_listen_respond_show_list_close) {
    start();
    ChildProcess listener;
    std::string error;
    SpawnSpec listen;
    listen.program = bin_path("muster-cli").string();
    listen.args = {"listen",  "--server", server().endpoint(), "--user", "liming",
                   "--group", "chonghua", "--since",           "0"};
    listen.env = {{"MUSTER_JWT_SECRET", server().jwt_secret()}};
    ASSERT_TRUE(listener.spawn(listen, error)) << error;

    const auto created = cli("wangxg", {"duty", "create", "--group", "chonghua", "--title",
                                        "门岗 gate duty", "--location", "North gate", "--starts",
                                        "+2h", "--ends", "+6h", "--slots", "3", "--urgent"});
    const auto id_end = created.find(' ');
    ASSERT_EQ(created.substr(0, 3), "dc_") << created;
    const std::string call = created.substr(0, id_end);
    EXPECT_NE(created.find("(seq 1)"), std::string::npos) << created;

    const auto line = listener.wait_for_line(
        [&](std::string_view l) { return l.find(call) != std::string_view::npos; }, default_wait);
    ASSERT_TRUE(line) << listener.output();
    EXPECT_NE(line->find("门岗 gate duty"), std::string::npos) << *line;
    EXPECT_NE(line->find("URGENT"), std::string::npos) << *line;

    const auto accepted =
        cli("liming", {"duty", "respond", call, "accept", "--note", "I go first"});
    EXPECT_NE(accepted.find("OPEN, 1/3 accepted"), std::string::npos) << accepted;
    const auto tally_line = listener.wait_for_line(
        [](std::string_view l) { return l.find("liming ACCEPT") != std::string_view::npos; },
        default_wait);
    ASSERT_TRUE(tally_line) << listener.output();

    const auto shown = cli("wangxg", {"duty", "show", call});
    EXPECT_NE(shown.find("OPEN, 1/3 accepted, 0 declined, 2 pending"), std::string::npos) << shown;
    EXPECT_NE(shown.find("liming ACCEPT: I go first"), std::string::npos) << shown;
    const auto json = cli("wangxg", {"duty", "show", call, "--json"});
    EXPECT_NE(json.find(R"("responses":[{"user":"liming")"), std::string::npos) << json;

    const auto listed = cli("wangxg", {"duty", "list", "--group", "areas", "--subtree"});
    EXPECT_NE(listed.find(call), std::string::npos) << listed;

    const auto refused = cli("liming", {"duty", "close", call}, /*ok=*/false);
    EXPECT_NE(refused.find("FORBIDDEN"), std::string::npos) << refused;
    const auto closed = cli("wangxg", {"duty", "close", call, "--reason", "enough people"});
    EXPECT_NE(closed.find("CLOSED"), std::string::npos) << closed;
    const auto late = cli("zhangfang", {"duty", "respond", call, "accept"}, /*ok=*/false);
    EXPECT_NE(late.find("CONFLICT"), std::string::npos) << late;
    const auto usage = cli("liming", {"duty", "respond", call, "maybe"}, /*ok=*/false);
    EXPECT_NE(usage.find("accept or decline"), std::string::npos) << usage;

    listener.signal(SIGINT);
    const auto stopped = listener.wait(default_wait);
    ASSERT_TRUE(stopped);
}

INSTANTIATE_TEST_SUITE_P(Backends, DutyCliTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test
