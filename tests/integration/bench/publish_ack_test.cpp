// publish-ack (the durability scenario): pipelined publishes, each acknowledged once, with
// consecutive seqs per group.

#include <gtest/gtest.h>

#include "loadgen_run.hpp"

namespace muster::test {
namespace {

TEST(PublishAck, every_publish_is_acknowledged_once_with_consecutive_seqs) {
    ServerProcess server(bench_server_options());
    ASSERT_TRUE(server.start());
    const auto run = run_loadgen(server, {"--scenario=publish-ack", "--publishers=4", "--window=16",
                                          "--count=400", "--duration=10"});
    expect_correct(run);
    EXPECT_EQ(run.count("published"), 400u);
    EXPECT_EQ(run.count("acked"), 400u);
    EXPECT_EQ(run.count("refused"), 0u);
}

}  // namespace
}  // namespace muster::test
