#pragma once
// A real musterd for an integration test.
//
//   ServerProcess server({.args = {"--limits.max_frame_bytes=1024"}});
//   ASSERT_TRUE(server.start());
//   auto alice = TestClient::connect(server, "alice");
//
// start() runs MUSTER_BIN_DIR/musterd with
//   --server.listen=127.0.0.1:0 --server.data_dir=DIR --auth.jwt_secret=SECRET
//   --server.log_level=info
// plus the test's `args` (a test's --key=value replaces the default of the same key), stdout
// to a pipe and stderr appended to DIR/musterd.log, and waits for the one line musterd
// prints when it accepts connections: "musterd listening on HOST:PORT". That line is awaited
// (with a deadline that only matters when musterd is broken), never slept for.
//
// When the test has failed, the destructor prints the tail of musterd.log, and it reports a
// musterd that died of a signal the test did not send (a crash) as a failure of its own.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "muster/connection.hpp"
#include "muster/token.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace muster::test {

struct ServerOptions {
    std::vector<std::string> args;  // "--section.key=value"; replaces a default of the same key
    std::vector<std::pair<std::string, std::string>> env;  // added to the test's environment
    std::string jwt_secret = "muster-test-secret";
    std::string log_level = "info";
    std::filesystem::path data_dir;  // empty: a TempDir owned by this ServerProcess
    std::filesystem::path binary;    // empty: MUSTER_BIN_DIR/musterd
    std::chrono::milliseconds ready_timeout{30000};
    std::chrono::milliseconds stop_timeout{30000};  // SIGTERM to exit; SIGKILL after
};

class ServerProcess {
  public:
    enum class Port : std::uint8_t { any, same };

    explicit ServerProcess(ServerOptions options = {});
    // Kills (SIGKILL) and reaps a musterd still running.
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    // Starts musterd and waits until it listens. Failure carries the exit status and the
    // tail of musterd.log.
    [[nodiscard]] testing::AssertionResult start();
    // stop() if running, then start() with the same data dir, options and environment, and,
    // with Port::same, the same port (clients reconnect to the address they knew).
    [[nodiscard]] testing::AssertionResult restart(Port port = Port::any);

    // SIGTERM and wait (stop_timeout) for the exit; SIGKILL if it does not come (a test
    // failure). The status says whether the shutdown was clean.
    ExitStatus stop();
    // SIGKILL and reap: a node that crashed.
    ExitStatus kill();
    // Any signal (SIGSTOP to freeze a node, SIGCONT to thaw it); does not wait.
    void signal(int number);
    // Reaps musterd if it exits within `timeout`.
    std::optional<ExitStatus> wait_exit(std::chrono::milliseconds timeout);

    // For the next start()/restart(): one more (or a replaced) option, or environment entry.
    void set_option(const std::string& key, const std::string& value);
    void set_env(const std::string& name, const std::string& value);

    [[nodiscard]] bool running() const;
    [[nodiscard]] pid_t pid() const;
    [[nodiscard]] const std::string& host() const { return host_; }
    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] std::string endpoint() const;  // "HOST:PORT"
    [[nodiscard]] const std::filesystem::path& data_dir() const { return data_dir_; }
    [[nodiscard]] std::filesystem::path log_path() const { return data_dir_ / "musterd.log"; }
    // musterd.log (stderr of every run, then a line for each stdout line).
    [[nodiscard]] std::string log_text() const;
    [[nodiscard]] std::string log_tail(std::size_t lines = 60) const;
    [[nodiscard]] const std::string& jwt_secret() const { return options_.jwt_secret; }

    // A token this server accepts. `spec.user` must be set.
    [[nodiscard]] std::string token(const client::TokenSpec& spec) const;
    [[nodiscard]] std::string token(const std::string& user) const;
    // A token for user "admin" with role admin.
    [[nodiscard]] std::string admin_token() const;
    // Where a client connects.
    [[nodiscard]] client::ConnectOptions connect_options(
        client::Encoding encoding = client::Encoding::proto) const;

  private:
    [[nodiscard]] std::vector<std::string> command_line() const;

    ServerOptions options_;
    std::optional<TempDir> owned_dir_;
    std::filesystem::path data_dir_;
    std::vector<std::pair<std::string, std::string>> settings_;  // key -> value, in order
    std::unique_ptr<ChildProcess> process_;
    std::string host_ = "127.0.0.1";
    std::uint16_t port_ = 0;
    bool expected_exit_ = false;  // we signalled it: its death is not a crash
};

}  // namespace muster::test
