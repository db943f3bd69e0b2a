// chat: groups of members, every member publishing to its own group in turn.

#include <gtest/gtest.h>

#include "loadgen_run.hpp"

namespace muster::test {
namespace {

TEST(Chat, every_member_receives_every_message_of_its_group) {
    ServerProcess server(bench_server_options());
    ASSERT_TRUE(server.start());
    const auto run = run_loadgen(server, {"--scenario=chat", "-n", "40", "-m", "5", "--rate=200",
                                          "--count=80", "--duration=10"});
    expect_correct(run);
    EXPECT_EQ(run.count("groups"), 8u);
    EXPECT_EQ(run.count("publishers"), 40u);
    EXPECT_EQ(run.count("acked"), 80u);
    EXPECT_EQ(run.count("deliveries"), 80u * 5u);
}

}  // namespace
}  // namespace muster::test
