#include "support/redis_process.hpp"

#include <csignal>

#include "support/free_port.hpp"
#include "support/log_tail.hpp"

namespace muster::test {

namespace {

constexpr int port_attempts = 8;

}  // namespace

bool RedisProcess::available() {
    return !find_in_path("redis-server").empty();
}

RedisProcess::RedisProcess(RedisOptions options) : options_(std::move(options)) {
    if (options_.dir.empty()) {
        owned_dir_.emplace("redis");
        dir_ = owned_dir_->path();
    } else {
        dir_ = options_.dir;
        std::filesystem::create_directories(dir_);
    }
}

RedisProcess::~RedisProcess() {
    if (process_ && process_->running()) process_->kill();
}

testing::AssertionResult RedisProcess::launch(bool& busy) {
    busy = false;
    process_ = std::make_unique<ChildProcess>();
    SpawnSpec spec;
    spec.program = "redis-server";
    // AOF fsynced before answering, as deploy/redis/redis.conf: with `everysec`, a Redis whose
    // disk is slow postpones even its write to the file while it answers, and a SIGKILL then
    // loses acknowledged writes (seen under load in these tests).
    spec.args = {"--port",        std::to_string(port_),
                 "--bind",        "127.0.0.1",
                 "--save",        "",
                 "--appendonly",  "yes",
                 "--appendfsync", "always",
                 "--dir",         dir_.string(),
                 "--daemonize",   "no"};
    spec.args.insert(spec.args.end(), options_.args.begin(), options_.args.end());
    spec.stdout_path = log_path();  // redis logs to stdout when it has no logfile
    spec.stderr_path = log_path();
    std::string error;
    if (!process_->spawn(spec, error)) return testing::AssertionFailure() << error;

    std::string why;
    const auto ready = process_->wait_for_line(
        [](std::string_view line) {
            return line.find("Ready to accept connections") != std::string_view::npos;
        },
        options_.ready_timeout, &why);
    if (ready) return testing::AssertionSuccess();
    if (why != "exited") process_->kill();
    const auto status = process_->wait(std::chrono::seconds(10));
    const std::string output = process_->output();
    busy = output.find("Address already in use") != std::string::npos;
    return testing::AssertionFailure()
           << "redis-server on port " << port_ << " did not become ready (" << why << ", "
           << (status ? status->describe() : "still running") << ")\n--- " << log_path().string()
           << " (tail) ---\n"
           << tail_lines(log_text(), 40);
}

testing::AssertionResult RedisProcess::start() {
    if (running()) return testing::AssertionFailure() << "redis-server is already running";
    if (options_.port != 0) {
        port_ = options_.port;
        bool busy = false;
        return launch(busy);
    }
    testing::AssertionResult result = testing::AssertionFailure();
    for (int attempt = 0; attempt < port_attempts; ++attempt) {
        port_ = free_loopback_port();
        bool busy = false;
        result = launch(busy);
        if (result || !busy) return result;
    }
    return result;
}

testing::AssertionResult RedisProcess::restart() {
    if (port_ == 0) return testing::AssertionFailure() << "RedisProcess::restart before start";
    if (running()) process_->kill();
    bool busy = false;
    return launch(busy);
}

ExitStatus RedisProcess::kill() {
    return process_ ? process_->kill() : ExitStatus{};
}

ExitStatus RedisProcess::stop() {
    if (!process_ || !process_->running()) return kill();
    process_->signal(SIGTERM);
    if (auto status = process_->wait(std::chrono::seconds(30))) return *status;
    ADD_FAILURE() << "redis-server ignored SIGTERM for 30 s; killing it";
    return process_->kill();
}

void RedisProcess::signal(int number) {
    if (process_) process_->signal(number);
}

bool RedisProcess::running() const {
    return process_ && process_->running();
}
pid_t RedisProcess::pid() const {
    return process_ ? process_->pid() : -1;
}
std::string RedisProcess::url() const {
    return "redis://127.0.0.1:" + std::to_string(port_);
}
std::string RedisProcess::log_text() const {
    return read_file(log_path());
}

}  // namespace muster::test
