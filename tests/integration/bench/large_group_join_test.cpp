// large-group-join: distinct users join one group at once; the report counts every presence
// byte the subscribers received.

#include <gtest/gtest.h>

#include "loadgen_run.hpp"

namespace muster::test {
namespace {

TEST(LargeGroupJoin, every_user_joins_and_the_presence_bytes_are_counted) {
    ServerProcess server(bench_server_options());
    ASSERT_TRUE(server.start());
    const auto run = run_loadgen(server, {"--scenario=large-group-join", "-n", "60",
                                          "--connect-concurrency=32", "--settle=0.5"});
    expect_correct(run);
    EXPECT_EQ(run.count("joined"), 60u);
    EXPECT_EQ(run.count("users"), 60u);
    // At least each subscriber's own arrival reached it.
    EXPECT_GE(run.count("presence_messages"), 60u);
    EXPECT_GT(run.count("presence_bytes"), run.count("presence_messages"));
}

}  // namespace
}  // namespace muster::test
