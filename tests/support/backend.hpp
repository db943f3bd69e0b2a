#pragma once
// The store and bus a test node runs on. The single-node suites are parameterised by it, so
// that the same tests run against the embedded node (SQLite, in-process bus) and a node on
// Redis (docs: "The whole single-node integration suite also runs against a Redis-backed
// node").
//
//   class ChatTest : public testing::TestWithParam<Backend> {
//       ... NodeUnderTest node_{GetParam()};
//   };
//   INSTANTIATE_TEST_SUITE_P(Backends, ChatTest, testing::ValuesIn(all_backends()),
//                            backend_name);

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/redis_process.hpp"
#include "support/server_process.hpp"

namespace muster::test {

enum class Backend : std::uint8_t { embedded, redis };

// Every backend offers every feature (chat, duty calls, meetings, devices).
std::vector<Backend> all_backends();
std::string backend_name(const testing::TestParamInfo<Backend>& info);

// One musterd on a backend, with its redis-server when it needs one. On Redis the node gets a
// fixed node id (--server.node_id=it), as an operator's nodes have: a restarted node then
// knows its earlier run is gone (meetings recover that run's connections at once).
class NodeUnderTest {
  public:
    explicit NodeUnderTest(Backend backend, ServerOptions options = {});
    [[nodiscard]] testing::AssertionResult start();

    ServerProcess& server() { return *server_; }
    [[nodiscard]] Backend backend() const { return backend_; }
    // Null for the embedded backend.
    RedisProcess* redis() { return redis_ ? &*redis_ : nullptr; }

  private:
    Backend backend_;
    std::optional<RedisProcess> redis_;
    std::unique_ptr<ServerProcess> server_;
    ServerOptions options_;
};

}  // namespace muster::test
