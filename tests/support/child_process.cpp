#include "support/child_process.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace muster::test {

namespace {

using clock = std::chrono::steady_clock;

constexpr std::size_t max_kept_lines = 20000;  // older stdout lines are dropped

int close_on_exec_from(int first_fd) {
#if defined(SYS_close_range)
    constexpr unsigned close_range_cloexec = 1U << 2;  // CLOSE_RANGE_CLOEXEC, Linux 5.11
    return static_cast<int>(::syscall(SYS_close_range, first_fd, ~0U, close_range_cloexec));
#else
    (void)first_fd;
    errno = ENOSYS;
    return -1;
#endif
}

int open_pidfd(pid_t pid) {
#if defined(SYS_pidfd_open)
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
    (void)pid;
    return -1;
#endif
}

int poll_ms(clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    return left.count() <= 0 ? 0 : static_cast<int>(std::min<long>(left.count(), 60'000));
}

// Runs in the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(pid_t parent, int stdin_fd, int stdout_fd, int stderr_fd, int error_fd,
                             const char* path, char* const* argv, char* const* envp) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    ::dup2(stdin_fd, 0);
    ::dup2(stdout_fd, 1);
    if (stderr_fd >= 0) ::dup2(stderr_fd, 2);
    if (close_on_exec_from(3) != 0) {
        // Old kernel: close by hand, keeping error_fd (close-on-exec already) for exec errors.
        const long max_fd = ::sysconf(_SC_OPEN_MAX);
        for (int fd = 3; fd < max_fd; ++fd) {
            if (fd != error_fd) ::close(fd);
        }
    }
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int number = 1; number < NSIG; ++number) ::sigaction(number, &default_action, nullptr);
    ::execve(path, argv, envp);
    const int error = errno;
    (void)!::write(error_fd, &error, sizeof error);
    ::_exit(127);
}

}  // namespace

// ---- ExitStatus ---------------------------------------------------------------------------

bool ExitStatus::exited() const {
    return WIFEXITED(raw);
}
int ExitStatus::code() const {
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}
bool ExitStatus::signaled() const {
    return WIFSIGNALED(raw);
}
int ExitStatus::signal() const {
    return WIFSIGNALED(raw) ? WTERMSIG(raw) : 0;
}

std::string ExitStatus::describe() const {
    if (exited()) return "exit code " + std::to_string(code());
    if (signaled()) {
        return "killed by signal " + std::to_string(signal()) + " (" + ::strsignal(signal()) + ")" +
               (WCOREDUMP(raw) ? ", core dumped" : "");
    }
    return "wait status " + std::to_string(raw);
}

// ---- stdout -------------------------------------------------------------------------------

struct ChildProcess::Output {
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<std::string> lines;  // complete lines, without '\n'
    std::string partial;            // the unfinished last line
    bool ended = false;             // EOF: every writer closed stdout

    // Drains `fd` until EOF or a wake-up on `wake_fd`, copying lines to `copy_fd` (if >= 0).
    void drain(int fd, int wake_fd, int copy_fd) {
        char buffer[8192];
        pollfd watched[2] = {{fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
        for (;;) {
            if (::poll(watched, 2, -1) < 0) {
                if (errno == EINTR) continue;
                break;
            }
            if (watched[1].revents != 0) break;
            const ssize_t got = ::read(fd, buffer, sizeof buffer);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) break;
            if (copy_fd >= 0) (void)!::write(copy_fd, buffer, static_cast<std::size_t>(got));
            std::lock_guard lock(mutex);
            partial.append(buffer, static_cast<std::size_t>(got));
            for (auto end = partial.find('\n'); end != std::string::npos;
                 end = partial.find('\n')) {
                lines.push_back(partial.substr(0, end));
                partial.erase(0, end + 1);
                if (lines.size() > max_kept_lines) lines.pop_front();
            }
            changed.notify_all();
        }
        std::lock_guard lock(mutex);
        if (!partial.empty()) lines.push_back(std::move(partial));
        partial.clear();
        ended = true;
        changed.notify_all();
    }
};

// ---- ChildProcess -------------------------------------------------------------------------

ChildProcess::~ChildProcess() {
    if (running()) kill();
    stop_draining();
    if (pidfd_ >= 0) ::close(pidfd_);
}

bool ChildProcess::spawn(const SpawnSpec& spec, std::string& error) {
    if (pid_ > 0) {
        error = "ChildProcess::spawn called twice";
        return false;
    }
    const std::filesystem::path path = spec.program.find('/') == std::string::npos
                                           ? find_in_path(spec.program)
                                           : std::filesystem::path(spec.program);
    if (path.empty() || ::access(path.c_str(), X_OK) != 0) {
        error = spec.program + ": not found or not executable";
        return false;
    }

    // Everything the child needs is built before fork: after it, only syscalls.
    std::vector<std::string> arg_strings{path.string()};
    arg_strings.insert(arg_strings.end(), spec.args.begin(), spec.args.end());
    std::vector<char*> argv;
    for (auto& arg : arg_strings) argv.push_back(arg.data());
    argv.push_back(nullptr);

    std::vector<std::string> env_strings;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        const auto name = text.substr(0, text.find('='));
        bool overridden = false;
        for (const auto& [key, value] : spec.env) overridden = overridden || key == name;
        if (!overridden) env_strings.emplace_back(text);
    }
    for (const auto& [key, value] : spec.env) env_strings.push_back(key + "=" + value);
    std::vector<char*> envp;
    for (auto& entry : env_strings) envp.push_back(entry.data());
    envp.push_back(nullptr);

    int out_pipe[2];
    int error_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
        error = std::string("pipe: ") + std::strerror(errno);
        return false;
    }
    if (::pipe2(error_pipe, O_CLOEXEC) != 0) {
        error = std::string("pipe: ") + std::strerror(errno);
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        return false;
    }
    const int stdin_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const int stderr_fd =
        spec.stderr_path.empty()
            ? -1
            : ::open(spec.stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const int copy_fd =
        spec.stdout_path.empty()
            ? -1
            : ::open(spec.stdout_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    auto close_all = [&] {
        for (int fd : {out_pipe[1], error_pipe[0], error_pipe[1], stdin_fd, stderr_fd}) {
            if (fd >= 0) ::close(fd);
        }
    };
    if (stdin_fd < 0 || (!spec.stderr_path.empty() && stderr_fd < 0)) {
        error = "cannot open /dev/null or " + spec.stderr_path.string();
        close_all();
        ::close(out_pipe[0]);
        if (copy_fd >= 0) ::close(copy_fd);
        return false;
    }

    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        exec_child(parent, stdin_fd, out_pipe[1], stderr_fd, error_pipe[1], path.c_str(),
                   argv.data(), envp.data());
    }
    const int fork_errno = errno;
    ::close(error_pipe[1]);
    error_pipe[1] = -1;
    if (pid < 0) {
        error = std::string("fork: ") + std::strerror(fork_errno);
        close_all();
        ::close(out_pipe[0]);
        if (copy_fd >= 0) ::close(copy_fd);
        return false;
    }

    // exec closes the error pipe (close-on-exec): EOF means it worked, an int is its errno.
    int exec_errno = 0;
    ssize_t got;
    do {
        got = ::read(error_pipe[0], &exec_errno, sizeof exec_errno);
    } while (got < 0 && errno == EINTR);
    close_all();
    pid_ = pid;
    pidfd_ = open_pidfd(pid);
    if (got == sizeof exec_errno) {
        ::close(out_pipe[0]);
        if (copy_fd >= 0) ::close(copy_fd);
        wait(std::chrono::seconds(10));
        error = path.string() + ": exec failed: " + std::strerror(exec_errno);
        return false;
    }

    output_ = std::make_shared<Output>();
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
    drain_ = std::thread([output = output_, fd = out_pipe[0], wake = wake_fd_, copy_fd] {
        output->drain(fd, wake, copy_fd);
        ::close(fd);
        if (copy_fd >= 0) ::close(copy_fd);
    });
    return true;
}

bool ChildProcess::has_exited() const {
    if (!running()) return pid_ > 0;
    siginfo_t info{};
    // WNOWAIT: look without reaping, so wait() still gets the status.
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
        return false;
    }
    return info.si_pid == pid_;
}

std::optional<std::string> ChildProcess::wait_for_line(
    const std::function<bool(std::string_view)>& match, std::chrono::milliseconds timeout,
    std::string* why) {
    if (!output_) {
        if (why != nullptr) *why = "not started";
        return std::nullopt;
    }
    const auto deadline = clock::now() + timeout;
    std::unique_lock lock(output_->mutex);
    for (;;) {
        for (const auto& line : output_->lines) {
            if (match(line)) return line;
        }
        if (output_->ended) {
            if (why != nullptr) *why = "exited";
            return std::nullopt;
        }
        if (output_->changed.wait_until(lock, deadline) == std::cv_status::timeout) {
            for (const auto& line : output_->lines) {
                if (match(line)) return line;
            }
            if (why != nullptr) *why = "timed out";
            return std::nullopt;
        }
    }
}

std::string ChildProcess::output() const {
    if (!output_) return {};
    std::lock_guard lock(output_->mutex);
    std::string text;
    for (const auto& line : output_->lines) text += line + '\n';
    return text;
}

void ChildProcess::signal(int number) {
    // Safe by PID: an unreaped child's PID cannot be reused.
    if (running()) ::kill(pid_, number);
}

std::optional<ExitStatus> ChildProcess::wait(std::chrono::milliseconds timeout) {
    if (status_) return status_;
    if (pid_ <= 0) return std::nullopt;
    const auto deadline = clock::now() + timeout;
    for (;;) {
        int raw = 0;
        const pid_t reaped = ::waitpid(pid_, &raw, WNOHANG);
        if (reaped == pid_) {
            status_ = ExitStatus{raw};
            // The drain thread may not have read the child's last lines yet: a caller that
            // reads output() right after wait() must see all of it. Bounded, because a
            // grandchild could keep the pipe open.
            if (output_) {
                std::unique_lock lock(output_->mutex);
                output_->changed.wait_until(
                    lock, std::max(deadline, clock::now() + std::chrono::seconds(1)),
                    [this] { return output_->ended; });
            }
            return status_;
        }
        if (reaped < 0 && errno != EINTR) return std::nullopt;  // not our child: a bug
        if (clock::now() >= deadline) return std::nullopt;
        if (pidfd_ >= 0) {
            pollfd exited{pidfd_, POLLIN, 0};  // readable once the child exits
            ::poll(&exited, 1, poll_ms(deadline));
        } else {
            // No pidfd (kernel < 5.3): a short nap is the only portable wait with a deadline.
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
}

ExitStatus ChildProcess::kill() {
    if (status_) return *status_;
    signal(SIGKILL);
    // SIGKILL cannot be caught; the wait is only as long as the kernel takes to tear down.
    if (auto status = wait(std::chrono::seconds(60))) return *status;
    return ExitStatus{-1};
}

void ChildProcess::stop_draining() {
    if (!drain_.joinable()) return;
    if (status_) {
        // Give the thread the child's last words (a crash message), if they are coming.
        std::unique_lock lock(output_->mutex);
        output_->changed.wait_for(lock, std::chrono::seconds(1), [this] { return output_->ended; });
    }
    const std::uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
    drain_.join();
    ::close(wake_fd_);
    wake_fd_ = -1;
}

std::filesystem::path bin_path(std::string_view name) {
    return std::filesystem::path(MUSTER_BIN_DIR) / std::string(name);
}

std::filesystem::path find_in_path(std::string_view name) {
    const char* path = std::getenv("PATH");
    std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
    while (!dirs.empty()) {
        const auto colon = dirs.find(':');
        const auto dir = dirs.substr(0, colon);
        if (!dir.empty()) {
            auto candidate = std::filesystem::path(std::string(dir)) / std::string(name);
            if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        }
        if (colon == std::string_view::npos) break;
        dirs.remove_prefix(colon + 1);
    }
    return {};
}

}  // namespace muster::test
