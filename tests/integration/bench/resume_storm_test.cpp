// resume-storm: clients drop, events are published, all reconnect at once with `since` and
// each receives exactly the events it missed.

#include <gtest/gtest.h>

#include "loadgen_run.hpp"

namespace muster::test {
namespace {

class ResumeStorm : public testing::TestWithParam<std::string> {};

TEST_P(ResumeStorm, every_client_catches_up_with_every_missed_event_once) {
    ServerProcess server(bench_server_options());
    ASSERT_TRUE(server.start());
    const auto run =
        run_loadgen(server, {"--scenario=resume-storm", "--encoding=" + GetParam(), "-n", "30",
                             "-m", "10", "--missed=15", "--conns-per-user=2", "--settle=0.2"});
    expect_correct(run);
    EXPECT_EQ(run.count("published"), 3u * 15u);
    EXPECT_EQ(run.count("caught_up"), 30u);
    EXPECT_EQ(run.count("replayed"), 30u * 15u);
    EXPECT_EQ(run.count("expected_replayed"), 30u * 15u);
}

INSTANTIATE_TEST_SUITE_P(Encodings, ResumeStorm, testing::Values("binary", "json"));

}  // namespace
}  // namespace muster::test
