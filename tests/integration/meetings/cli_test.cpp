// `muster-cli meeting`: schedule, start, join (and follow until Ctrl-C), end, print the report.

#include <csignal>

#include "meeting_fixture.hpp"

namespace muster::test {
namespace {

class MeetingCliTest : public MeetingTest {
  protected:
    SpawnSpec cli(const std::string& user, std::vector<std::string> args) {
        SpawnSpec spec;
        spec.program = bin_path("muster-cli").string();
        spec.args = {"meeting"};
        spec.args.insert(spec.args.end(), args.begin(), args.end());
        spec.args.insert(spec.args.end(), {"--server", server().endpoint(), "--user", user});
        spec.env = {{"MUSTER_JWT_SECRET", server().jwt_secret()}};
        return spec;
    }
    // Runs to the end; the test fails unless it exits 0. Its stdout.
    std::string run(const std::string& user, std::vector<std::string> args) {
        ChildProcess child;
        std::string error;
        EXPECT_TRUE(child.spawn(cli(user, std::move(args)), error)) << error;
        const auto status = child.wait(default_wait);
        EXPECT_TRUE(status && status->clean()) << child.output();
        return child.output();
    }
};

TEST_P(MeetingCliTest, schedule_start_join_end_and_report) {
    start();
    branch({{"alice", "Alice"}, {"bob", "Bob"}});
    auto watcher = connect("bob");

    std::string id = run("secretary", {"schedule", "--group", "branch", "--title", "组织生活会",
                                       "--agenda", "学习", "--agenda", "讨论"});
    ASSERT_FALSE(id.empty());
    id.pop_back();  // the newline
    EXPECT_EQ(id.rfind("mt_", 0), 0U) << id;
    EXPECT_NE(run("secretary", {"start", id}).find("LIVE"), std::string::npos);

    ChildProcess join;
    std::string error;
    auto spec = cli("alice", {"join", id});
    spec.args.insert(spec.args.end(), {"--name", "王丽"});
    ASSERT_TRUE(join.spawn(spec, error)) << error;
    // The directory's name is shown, not the one the token carries.
    ASSERT_TRUE(join.wait_for_line(
        [](std::string_view l) { return l.find("participants (1): Alice") != l.npos; },
        default_wait))
        << join.output();
    run("secretary", {"agenda", id, "1"});
    ASSERT_TRUE(join.wait_for_line(
        [](std::string_view l) { return l.find("AGENDA_ITEM") != l.npos; }, default_wait))
        << join.output();

    advance(10 * minute);
    join.signal(SIGINT);  // leaves on the way out
    const auto stopped = join.wait(default_wait);
    ASSERT_TRUE(stopped && stopped->clean()) << join.output();
    for (auto change : {Change::SCHEDULED, Change::STARTED, Change::JOINED, Change::AGENDA_ITEM}) {
        expect_update(watcher, change);
    }
    expect_update(watcher, Change::LEFT, "alice");

    EXPECT_NE(run("secretary", {"end", id}).find("ENDED"), std::string::npos);
    const std::string table = run("secretary", {"report", id});
    EXPECT_NE(table.find("0:10:00"), std::string::npos) << table;
    EXPECT_NE(table.find("absent: bob, secretary"), std::string::npos) << table;
    const std::string csv = run("secretary", {"report", id, "--format", "csv"});
    EXPECT_EQ(csv.rfind("\xEF\xBB\xBFuser,name,attended", 0), 0U) << csv;
    EXPECT_NE(csv.find("alice,Alice,yes,"), std::string::npos) << csv;  // the roster name
    EXPECT_NE(csv.find(",10.0,600000,no"), std::string::npos) << csv;
}

INSTANTIATE_TEST_SUITE_P(Backends, MeetingCliTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test
