#pragma once
// A real redis-server for an integration test: its own port and directory, no config file,
// nothing from /etc, AOF on so that kill() + restart() keeps the data (a Redis restart, not a
// Redis wipe).
//
//   MUSTER_REQUIRE_REDIS();
//   RedisProcess redis;
//   ASSERT_TRUE(redis.start());
//   ServerProcess node({.args = {"--redis.url=" + redis.url()}});
//
// start() picks a free loopback port (retrying when another process takes it first) and
// waits for redis' "Ready to accept connections" line.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include <gtest/gtest.h>

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace muster::test {

struct RedisOptions {
    std::vector<std::string> args;  // more redis-server options, e.g. {"--maxmemory", "10mb"}
    std::filesystem::path dir;      // empty: a TempDir owned by the RedisProcess
    std::chrono::milliseconds ready_timeout{30000};
    std::uint16_t port = 0;  // 0: a free one (retried when taken); else this one, once
};

class RedisProcess {
  public:
    // Whether redis-server is installed (in PATH).
    static bool available();

    explicit RedisProcess(RedisOptions options = {});
    ~RedisProcess();  // kills (SIGKILL) and reaps it when still running
    RedisProcess(const RedisProcess&) = delete;
    RedisProcess& operator=(const RedisProcess&) = delete;

    [[nodiscard]] testing::AssertionResult start();
    // Starts again on the same port and directory (after kill() or stop(); kills it first
    // when still running). The AOF brings the data back.
    [[nodiscard]] testing::AssertionResult restart();

    ExitStatus kill();        // SIGKILL: Redis vanished
    ExitStatus stop();        // SIGTERM and wait
    void signal(int number);  // SIGSTOP / SIGCONT: Redis hangs, then recovers

    [[nodiscard]] bool running() const;
    [[nodiscard]] pid_t pid() const;
    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] std::string url() const;  // "redis://127.0.0.1:PORT"
    [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
    [[nodiscard]] std::filesystem::path log_path() const { return dir_ / "redis.log"; }
    [[nodiscard]] std::string log_text() const;

  private:
    // One attempt on port_: true when ready; `busy` when the port was taken.
    testing::AssertionResult launch(bool& busy);

    RedisOptions options_;
    std::optional<TempDir> owned_dir_;
    std::filesystem::path dir_;
    std::unique_ptr<ChildProcess> process_;
    std::uint16_t port_ = 0;
};

}  // namespace muster::test

// Skips the current test when redis-server is not installed (`make test` installs it).
#define MUSTER_REQUIRE_REDIS()                               \
    do {                                                     \
        if (!::muster::test::RedisProcess::available()) {    \
            GTEST_SKIP() << "redis-server is not installed"; \
        }                                                    \
    } while (false)
