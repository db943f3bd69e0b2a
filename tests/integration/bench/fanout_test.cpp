// fanout: subscribers in one group, publishers flooding (a window in flight) or paced; every
// delivery arrives once, in order, in both encodings.

#include <gtest/gtest.h>

#include "loadgen_run.hpp"

namespace muster::test {
namespace {

class Fanout : public testing::TestWithParam<std::string> {};

TEST_P(Fanout, flood_delivers_every_message_once_to_every_subscriber) {
    ServerProcess server(bench_server_options());
    ASSERT_TRUE(server.start());
    const auto run = run_loadgen(
        server, {"--scenario=fanout", "--encoding=" + GetParam(), "-n", "20", "--publishers=2",
                 "--window=8", "--count=200", "--duration=10", "--conns-per-user=5"});
    expect_correct(run);
    EXPECT_EQ(run.count("published"), 200u);
    EXPECT_EQ(run.count("acked"), 200u);
    EXPECT_EQ(run.count("deliveries"), 200u * 20u);
    EXPECT_EQ(run.count("expected_deliveries"), 200u * 20u);
    EXPECT_TRUE(run.report.at("phase").as_object().contains("server"));  // --server-pid read
}

TEST_P(Fanout, paced_publishing_over_several_groups) {
    ServerProcess server(bench_server_options());
    ASSERT_TRUE(server.start());
    const auto run = run_loadgen(
        server, {"--scenario=fanout", "--encoding=" + GetParam(), "-n", "30", "--groups=3",
                 "--publishers=3", "--rate=100", "--count=50", "--duration=10"});
    expect_correct(run);
    EXPECT_EQ(run.count("acked"), 50u);
    EXPECT_EQ(run.count("deliveries"), 50u * 10u);  // 10 subscribers per group
}

INSTANTIATE_TEST_SUITE_P(Encodings, Fanout, testing::Values("binary", "json"));

}  // namespace
}  // namespace muster::test
