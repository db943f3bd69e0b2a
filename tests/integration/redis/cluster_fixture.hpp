#pragma once
// Several musterd nodes on one redis-server, all started by the test; or, for the suites
// parameterised by RedisTopology, on one Redis or on a Redis Cluster (3 masters + 3 replicas)
// shared by the whole test binary, each test under a key prefix of its own.
//
//   class MyTest : public ClusterTest {};                 // one Redis, the test's own
//   TEST_F(MyTest, ...) { start_nodes(3); create_group(node(0), "g"); ... }
//
//   class MyTest : public TopologyTest {};                // both
//   TEST_P(MyTest, ...) { ... }
//   INSTANTIATE_TEST_SUITE_P(Redis, MyTest, each_topology(), topology_name);

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/harness.hpp"
#include "support/redis_cluster.hpp"

namespace muster::test {

namespace v1 = muster::v1;

enum class RedisTopology { single, cluster };

inline auto each_topology() {
    return testing::Values(RedisTopology::single, RedisTopology::cluster);
}
inline std::string topology_name(const testing::TestParamInfo<RedisTopology>& info) {
    return info.param == RedisTopology::single ? "one_redis" : "redis_cluster";
}

// One cluster per test binary, started by the first test that asks (a few seconds), killed
// when the binary exits. Tests share it under distinct key prefixes; a test that kills a
// cluster node starts a RedisCluster of its own instead.
inline RedisCluster* shared_redis_cluster() {
    static std::unique_ptr<RedisCluster> cluster;
    static bool failed = false;
    if (!cluster && !failed) {
        cluster = std::make_unique<RedisCluster>();
        const auto started = cluster->start();
        if (!started) {
            ADD_FAILURE() << started.message();
            failed = true;
            cluster.reset();
        }
    }
    return cluster.get();
}

class ClusterTest : public testing::Test {
  protected:
    void SetUp() override {
        if (on_cluster()) {
            MUSTER_REQUIRE_REDIS_CLUSTER();
            cluster_ = shared_redis_cluster();
            ASSERT_NE(cluster_, nullptr) << "no Redis Cluster";
            static int tests = 0;
            key_prefix_ = "t" + std::to_string(++tests);
            return;
        }
        MUSTER_REQUIRE_REDIS();
        ASSERT_TRUE(redis_.start());
    }

    // The suites parameterised by RedisTopology answer true for the cluster.
    [[nodiscard]] virtual bool on_cluster() const { return false; }
    [[nodiscard]] std::string redis_url() const {
        if (!url_override_.empty()) return url_override_;
        return cluster_ != nullptr ? cluster_->url() : redis_.url();
    }

    // Starts `count` more nodes named n0, n1, ... with the common options and `extra`.
    void start_nodes(std::size_t count, std::vector<std::string> extra = {}) {
        for (std::size_t i = 0; i < count; ++i) {
            ServerOptions options;
            options.args = {
                "--redis.url=" + redis_url(), "--server.node_id=n" + std::to_string(nodes_.size()),
                "--server.threads=2",
                // Publishers pipeline hundreds of commands on one connection.
                "--limits.commands_per_second=1000000", "--limits.command_burst=1000000",
                // Recovery within a second of Redis' return, whatever the outage.
                "--redis.reconnect_max_ms=1000"};
            if (!key_prefix_.empty()) options.args.push_back("--redis.key_prefix=" + key_prefix_);
            options.args.insert(options.args.end(), extra.begin(), extra.end());
            nodes_.push_back(std::make_unique<ServerProcess>(std::move(options)));
            ASSERT_TRUE(nodes_.back()->start());
        }
    }
    ServerProcess& node(std::size_t i) { return *nodes_.at(i); }

    // Made through node 0 (under `parent`, if any); returns once every node's cached tree has
    // the group (the others hear of it through a control message on the bus, a moment later).
    void group_with(const std::string& group, const std::vector<std::string>& members,
                    const std::string& parent = {}) {
        create_group(node(0), group, {}, parent);
        for (const auto& user : members) add_member(node(0), group, user);
        for (std::size_t i = 0; i < nodes_.size(); ++i) {
            const auto known = poll_until([&] {
                const auto groups = admin_http(node(i), "GET", "/api/v1/groups");
                return groups.body.find("\"id\":\"" + group + "\"") != std::string::npos;
            });
            ASSERT_TRUE(known.has_value()) << "node n" << i << " never heard of group " << group;
        }
    }

    // GET /readyz on a node: its HTTP status.
    int readyz(std::size_t i) { return http_call(node(i), "GET", "/readyz").status; }

    // Polls `condition` every 10 ms until it holds or `limit` passes; the time it took.
    template <class Condition>
    static std::optional<std::chrono::milliseconds> poll_until(
        Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(15)) {
        const auto started = std::chrono::steady_clock::now();
        for (;;) {
            if (condition()) {
                return std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - started);
            }
            if (std::chrono::steady_clock::now() - started > limit) return std::nullopt;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    RedisProcess redis_;
    RedisCluster* cluster_ = nullptr;  // shared_redis_cluster() when on_cluster()
    std::string key_prefix_;           // on the shared cluster: this test's own
    std::string url_override_;         // redis.url when set (a chosen cluster node)
    std::vector<std::unique_ptr<ServerProcess>> nodes_;
};

// A suite run on one Redis and on a Redis Cluster.
class TopologyTest : public ClusterTest, public testing::WithParamInterface<RedisTopology> {
  protected:
    [[nodiscard]] bool on_cluster() const override { return GetParam() == RedisTopology::cluster; }
};

// A publisher on its own thread with the plain client (the gtest helpers are for the test's
// thread): `count` chat messages "<prefix><i>", a window of `window` pipelined at a time, each
// with its client_msg_id so that a retry after UNAVAILABLE cannot store it twice. Retries
// UNAVAILABLE (Redis away) until `deadline`.
class Publisher {
  public:
    struct Ack {
        std::uint64_t seq;
        std::string text;
    };

    Publisher(const ServerProcess& server, std::string user, std::string group, std::string prefix,
              int count, int window = 8,
              std::chrono::microseconds pause = std::chrono::microseconds(0))
        : thread_([this, &server, user = std::move(user), group = std::move(group),
                   prefix = std::move(prefix), count, window,
                   pause] { run(server, user, group, prefix, count, window, pause); }) {}
    ~Publisher() { join(); }
    Publisher(const Publisher&) = delete;
    Publisher& operator=(const Publisher&) = delete;

    void join() {
        if (thread_.joinable()) thread_.join();
    }
    [[nodiscard]] int acked() const { return acked_count_.load(); }
    [[nodiscard]] int unavailable() const { return unavailable_.load(); }
    // After join().
    [[nodiscard]] const std::vector<Ack>& acks() const { return acks_; }
    [[nodiscard]] const std::string& error() const { return error_; }
    [[nodiscard]] bool ok() const { return error_.empty(); }

  private:
    void run(const ServerProcess& server, const std::string& user, const std::string& group,
             const std::string& prefix, int count, int window, std::chrono::microseconds pause);

    std::vector<Ack> acks_;
    std::string error_;
    std::atomic<int> acked_count_{0};
    std::atomic<int> unavailable_{0};
    std::thread thread_;  // last: starts once the members above exist
};

inline void Publisher::run(const ServerProcess& server, const std::string& user,
                           const std::string& group, const std::string& prefix, int count,
                           int window, std::chrono::microseconds pause) {
    using steady = std::chrono::steady_clock;
    const auto deadline = steady::now() + std::chrono::seconds(90);
    auto session = client::Session::open(server.connect_options());
    if (!session) {
        error_ = user + " cannot open a connection: " + session.failure().describe();
        return;
    }
    if (auto connected = session->connect(server.token(user)); !connected) {
        error_ = user + " cannot connect: " + connected.failure().describe();
        return;
    }
    auto frame_for = [&](int i) {
        v1::ClientFrame frame;
        auto* publish = frame.mutable_publish();
        publish->set_group(group);
        publish->set_text(prefix + std::to_string(i));
        publish->set_client_msg_id(prefix + std::to_string(i));
        return frame;
    };
    // One reply: true when acknowledged, false for UNAVAILABLE (retry), error_ otherwise.
    auto settle = [&](const client::Outcome<v1::ServerFrame>& reply, int i) {
        if (!reply) {
            error_ = user + ": no reply to publish " + std::to_string(i) + ": " +
                     reply.failure().describe();
            return false;
        }
        if (reply->has_publish()) {
            acks_.push_back({reply->publish().seq(), prefix + std::to_string(i)});
            ++acked_count_;
            return true;
        }
        if (reply->has_error() && reply->error().code() == v1::Error::UNAVAILABLE) {
            ++unavailable_;
            return false;
        }
        error_ = user + ": publish " + std::to_string(i) + " answered " + reply->DebugString();
        return false;
    };
    for (int next = 1; next <= count; next += window) {
        std::vector<std::pair<std::uint32_t, int>> sent;
        for (int i = next; i < next + window && i <= count; ++i) {
            auto id = session->send(frame_for(i));
            if (!id) {
                error_ = user + ": cannot send: " + id.failure().describe();
                return;
            }
            sent.emplace_back(*id, i);
        }
        std::vector<int> retry;
        for (const auto& [id, i] : sent) {
            if (!settle(session->await_reply(id), i)) {
                if (!error_.empty()) return;
                retry.push_back(i);
            }
        }
        for (const int i : retry) {
            while (!settle(session->call(frame_for(i)), i)) {
                if (!error_.empty()) return;
                if (steady::now() > deadline) {
                    error_ = user + ": publish " + std::to_string(i) + " never acknowledged";
                    return;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        }
        if (pause.count() > 0) std::this_thread::sleep_for(pause);
    }
}

}  // namespace muster::test
