#pragma once
// A real Redis Cluster for an integration test: `masters` redis-servers with `replicas` each
// (3 + 3 by default), `--cluster-enabled yes --cluster-node-timeout 1000 --appendonly yes`, on
// loopback ports <= 55535 (a cluster node also listens on port + 10000), joined by
// `redis-cli --cluster create ... --cluster-replicas N --cluster-yes`.
//
//   MUSTER_REQUIRE_REDIS_CLUSTER();
//   RedisCluster cluster;
//   ASSERT_TRUE(cluster.start());            // returns once every node says cluster_state:ok
//   ServerProcess node({.args = {"--redis.url=" + cluster.url()}});
//
// start() waits by asking, never by sleeping: every node's CLUSTER INFO until each says
// cluster_state:ok, every replica's INFO replication until it has synced, and CLUSTER SLOTS
// until every slot has a running master, within a deadline. Nodes are stopped
// by PID (SIGKILL) when the object goes.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/redis_process.hpp"
#include "support/resp_client.hpp"

namespace muster::test {

class RedisCluster {
  public:
    // redis-server and redis-cli are installed.
    static bool available();

    explicit RedisCluster(std::size_t masters = 3, std::size_t replicas = 1);
    ~RedisCluster();
    RedisCluster(const RedisCluster&) = delete;
    RedisCluster& operator=(const RedisCluster&) = delete;

    [[nodiscard]] testing::AssertionResult start();
    // Every running node says cluster_state:ok, every running replica has synced, and every
    // node names a running master for every slot.
    [[nodiscard]] testing::AssertionResult await_ok(
        std::chrono::milliseconds limit = std::chrono::seconds(30));

    // The first node's URL (any node would do: musterd finds the others).
    [[nodiscard]] std::string url() const { return nodes_.front()->url(); }
    [[nodiscard]] std::size_t size() const { return nodes_.size(); }
    [[nodiscard]] RedisProcess& node(std::size_t i) { return *nodes_.at(i); }

    // The node that serves `slot` as master, asking a running node; nullopt when unknown.
    [[nodiscard]] std::optional<std::size_t> master_of(unsigned slot);
    // A command on node i (a fresh connection each time; nullopt when it cannot be reached).
    std::optional<Resp> call(std::size_t i, const std::vector<std::string>& args);

  private:
    [[nodiscard]] std::optional<std::size_t> index_of_port(std::int64_t port) const;

    std::size_t masters_;
    std::size_t replicas_;
    std::vector<std::unique_ptr<RedisProcess>> nodes_;
};

}  // namespace muster::test

// Skips the current test when redis-server or redis-cli is missing.
#define MUSTER_REQUIRE_REDIS_CLUSTER()                                        \
    do {                                                                      \
        if (!::muster::test::RedisCluster::available()) {                     \
            GTEST_SKIP() << "redis-server or redis-cli (cluster) is missing"; \
        }                                                                     \
    } while (false)
