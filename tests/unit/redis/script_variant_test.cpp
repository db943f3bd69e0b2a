// A script that publishes runs as its SPUBLISH variant where publications are sharded (a Redis
// Cluster), as itself elsewhere; both are loaded on every connection (redis/script.hpp).

#include <gtest/gtest.h>

#include "redis/script.hpp"

namespace muster::redis {
namespace {

// Records the commands it is given and answers each with nil.
class RecordingCommands final : public Commands {
  public:
    explicit RecordingCommands(bool sharded) : sharded_(sharded) {}
    void command(std::vector<std::string> args, ReplyCallback done, bool) override {
        sent.push_back(std::move(args));
        done(Reply{});
    }
    [[nodiscard]] bool ready() const override { return true; }
    [[nodiscard]] bool sharded_pubsub() const override { return sharded_; }

    std::vector<std::vector<std::string>> sent;

  private:
    bool sharded_;
};

const std::string publishing =
    "redis.call('INCR', KEYS[1])\n"
    "redis.call('PUBLISH', ARGV[1], 'x')\n"
    "redis.call('PUBLISH', ARGV[1], 'y')\n";

TEST(ScriptVariant, a_publishing_script_has_an_spublish_twin_loaded_beside_it) {
    const Script script(publishing);
    const auto bodies = script.bodies();
    ASSERT_EQ(bodies.size(), 2U);
    EXPECT_EQ(bodies[0], publishing);
    EXPECT_EQ(bodies[1],
              "redis.call('INCR', KEYS[1])\n"
              "redis.call('SPUBLISH', ARGV[1], 'x')\n"
              "redis.call('SPUBLISH', ARGV[1], 'y')\n");
    EXPECT_EQ(Script("return 1").bodies().size(), 1U);
}

TEST(ScriptVariant, each_connection_runs_the_variant_of_its_kind) {
    const Script script(publishing);
    const auto bodies = script.bodies();
    for (const bool sharded : {false, true}) {
        RecordingCommands connection(sharded);
        bool answered = false;
        script.run(connection, {"k"}, {"ch"}, [&](const Result<Reply>&) { answered = true; });
        ASSERT_TRUE(answered);
        ASSERT_EQ(connection.sent.size(), 1U);
        const auto& command = connection.sent[0];
        ASSERT_EQ(command.size(), 5U);
        EXPECT_EQ(command[0], "EVALSHA");
        EXPECT_EQ(command[1], sha1_hex(bodies[sharded ? 1 : 0])) << "sharded " << sharded;
        EXPECT_EQ(command[3], "k");
        EXPECT_EQ(command[4], "ch");
    }
}

}  // namespace
}  // namespace muster::redis
