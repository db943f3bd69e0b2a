#pragma once
// A child process for integration tests (musterd, redis-server, muster-cli), with its stdout
// read line by line so that a test can wait for "ready" lines instead of sleeping.
//
// - The child gets SIGKILL if the test process dies (PR_SET_PDEATHSIG), so a crashed or
//   timed-out test leaves no server behind. The kernel ties that to the *thread* that forked:
//   spawn from the test's main thread.
// - It inherits no descriptor but stdin (/dev/null), stdout (a pipe) and stderr (a file or the
//   test's stderr): a musterd must not keep another test client's socket alive.
// - A thread drains stdout for the child's whole life, so a chatty child (redis logs to
//   stdout) never blocks on a full pipe.
// - Waiting for exit uses a pidfd (poll with a deadline), not a sleep loop.

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <thread>
#include <utility>
#include <vector>

namespace muster::test {

// How a child ended, as waitpid reports it.
struct ExitStatus {
    int raw = 0;

    [[nodiscard]] bool exited() const;  // by exit(): see code()
    [[nodiscard]] int code() const;     // exit code; -1 when killed by a signal
    [[nodiscard]] bool signaled() const;
    [[nodiscard]] int signal() const;  // 0 when it exited
    [[nodiscard]] bool clean() const { return exited() && code() == 0; }
    // "exit code 0", "killed by signal 9 (Killed)".
    [[nodiscard]] std::string describe() const;
};

struct SpawnSpec {
    std::string program;                                   // a path, or a name looked up in PATH
    std::vector<std::string> args;                         // argv[1...]
    std::vector<std::pair<std::string, std::string>> env;  // on top of the test's environment
    std::filesystem::path stderr_path;                     // appended to; empty = the test's stderr
    std::filesystem::path stdout_path;  // stdout lines are also appended here; empty = not kept
};

class ChildProcess {
  public:
    ChildProcess() = default;
    // SIGKILL and reap when still running.
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // Forks and execs; false with `error` set when the program could not be started (not
    // found, not executable). Once only per object.
    bool spawn(const SpawnSpec& spec, std::string& error);

    [[nodiscard]] pid_t pid() const { return pid_; }
    // Spawned and not reaped yet (it may have exited: see has_exited()).
    [[nodiscard]] bool running() const { return pid_ > 0 && !status_; }
    // Whether the child has exited, without reaping it.
    [[nodiscard]] bool has_exited() const;

    // The first stdout line (from the start of the output) for which `match` is true. Waits
    // until such a line arrives, stdout ends (the child exited: `why` = "exited"), or the
    // deadline passes (`why` = "timed out").
    std::optional<std::string> wait_for_line(const std::function<bool(std::string_view)>& match,
                                             std::chrono::milliseconds timeout,
                                             std::string* why = nullptr);
    // Every stdout line so far, '\n'-terminated.
    [[nodiscard]] std::string output() const;

    // Sends a signal (no-op after reaping).
    void signal(int number);
    // Reaps the child once it exits; nullopt when it is still running at the deadline.
    std::optional<ExitStatus> wait(std::chrono::milliseconds timeout);
    // SIGKILL and reap.
    ExitStatus kill();
    // Set once reaped.
    [[nodiscard]] const std::optional<ExitStatus>& exit_status() const { return status_; }

  private:
    struct Output;  // shared with the drain thread
    void stop_draining();

    pid_t pid_ = -1;
    int pidfd_ = -1;
    int wake_fd_ = -1;  // eventfd: tells the drain thread to stop
    std::optional<ExitStatus> status_;
    std::shared_ptr<Output> output_;
    std::thread drain_;
};

// Where the test binaries are: MUSTER_BIN_DIR/<name> (musterd, muster-cli).
std::filesystem::path bin_path(std::string_view name);

// The absolute path of `name` in PATH, or empty.
std::filesystem::path find_in_path(std::string_view name);

}  // namespace muster::test
