// idle: connections subscribed to three groups each, held; the report measures the server at a
// checkpoint and at the end.

#include <gtest/gtest.h>

#include "loadgen_run.hpp"

namespace muster::test {
namespace {

TEST(Idle, holds_every_connection_with_three_subscriptions) {
    ServerProcess server(bench_server_options());
    ASSERT_TRUE(server.start());
    const auto run =
        run_loadgen(server, {"--scenario=idle", "-n", "60", "--checkpoint=20", "--groups=9",
                             "--conns-per-user=4", "--hold=0.5", "--settle=0.2"});
    expect_correct(run);
    EXPECT_EQ(run.count("held_connections"), 60u);
    EXPECT_EQ(run.count("lost_connections"), 0u);
    ASSERT_TRUE(run.report.contains("checkpoints"));
    EXPECT_EQ(run.report.at("checkpoints").as_array().size(), 3u);  // 0, 20 and 60
    EXPECT_TRUE(run.report.contains("server_rss_kib_per_connection"));
}

}  // namespace
}  // namespace muster::test
