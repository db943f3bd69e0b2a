#include "support/server_process.hpp"

#include <csignal>
#include <iostream>

#include "support/log_tail.hpp"

namespace muster::test {

namespace {

constexpr std::string_view ready_prefix = "musterd listening on ";

// "--a.b=c" -> {"a.b", "c"}; "--flag" -> {"flag", ""} (kept as given).
std::pair<std::string, std::string> split_option(const std::string& arg) {
    std::string_view text = arg;
    if (text.starts_with("--")) text.remove_prefix(2);
    const auto equals = text.find('=');
    if (equals == std::string_view::npos) return {std::string(text), ""};
    return {std::string(text.substr(0, equals)), std::string(text.substr(equals + 1))};
}

bool current_test_failed() {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    return info != nullptr && testing::Test::HasFailure();
}

}  // namespace

ServerProcess::ServerProcess(ServerOptions options) : options_(std::move(options)) {
    if (options_.data_dir.empty()) {
        owned_dir_.emplace("musterd");
        data_dir_ = owned_dir_->path();
    } else {
        data_dir_ = options_.data_dir;
        std::filesystem::create_directories(data_dir_);
    }
    if (options_.binary.empty()) options_.binary = bin_path("musterd");
    settings_ = {{"server.listen", "127.0.0.1:0"},
                 {"server.data_dir", data_dir_.string()},
                 {"auth.jwt_secret", options_.jwt_secret},
                 {"server.log_level", options_.log_level}};
    for (const auto& arg : options_.args) {
        auto [key, value] = split_option(arg);
        set_option(key, value);
    }
}

ServerProcess::~ServerProcess() {
    if (!process_) return;
    if (process_->running()) {
        // Our SIGKILL shows in the status only if musterd was still alive: any other signal
        // means it died on its own (a crash) while the test ran.
        const bool was_expected = expected_exit_;
        const auto status = process_->kill();
        if (status.signaled() && status.signal() != SIGKILL && !was_expected) {
            ADD_FAILURE() << "musterd (pid " << process_->pid()
                          << ") died during the test: " << status.describe() << "\n--- "
                          << log_path().string() << " (tail) ---\n"
                          << log_tail();
            return;
        }
    }
    if (current_test_failed()) {
        std::cerr << "--- " << log_path().string() << " (tail) ---\n" << log_tail() << std::endl;
    }
}

void ServerProcess::set_option(const std::string& key, const std::string& value) {
    for (auto& [name, current] : settings_) {
        if (name == key) {
            current = value;
            return;
        }
    }
    settings_.emplace_back(key, value);
}

void ServerProcess::set_env(const std::string& name, const std::string& value) {
    for (auto& [key, current] : options_.env) {
        if (key == name) {
            current = value;
            return;
        }
    }
    options_.env.emplace_back(name, value);
}

std::vector<std::string> ServerProcess::command_line() const {
    std::vector<std::string> args;
    for (const auto& [key, value] : settings_) {
        args.push_back(value.empty() ? "--" + key : "--" + key + "=" + value);
    }
    return args;
}

testing::AssertionResult ServerProcess::start() {
    if (running()) return testing::AssertionFailure() << "musterd is already running";
    process_ = std::make_unique<ChildProcess>();
    expected_exit_ = false;
    SpawnSpec spec;
    spec.program = options_.binary.string();
    spec.args = command_line();
    spec.env = options_.env;
    spec.stderr_path = log_path();
    spec.stdout_path = log_path();
    std::string error;
    if (!process_->spawn(spec, error)) return testing::AssertionFailure() << error;

    std::string why;
    const auto line = process_->wait_for_line(
        [](std::string_view text) { return text.starts_with(ready_prefix); },
        options_.ready_timeout, &why);
    if (!line) {
        std::string status;
        if (why == "exited") {
            if (auto exited = process_->wait(std::chrono::seconds(5))) status = exited->describe();
        } else {
            process_->kill();
            status = "killed after " + std::to_string(options_.ready_timeout.count()) + " ms";
        }
        std::string command = spec.program;
        for (const auto& arg : spec.args) command += " " + arg;
        return testing::AssertionFailure()
               << "musterd never said \"" << ready_prefix << "HOST:PORT\" (" << why << ", "
               << status << ")\ncommand: " << command << "\n--- " << log_path().string()
               << " (tail) ---\n"
               << log_tail();
    }
    const std::string address = line->substr(ready_prefix.size());
    const auto colon = address.rfind(':');
    if (colon == std::string::npos) {
        return testing::AssertionFailure() << "cannot read the address in \"" << *line << "\"";
    }
    host_ = address.substr(0, colon);
    if (host_.size() > 2 && host_.front() == '[') host_ = host_.substr(1, host_.size() - 2);
    if (host_ == "0.0.0.0") host_ = "127.0.0.1";
    port_ = static_cast<std::uint16_t>(std::stoul(address.substr(colon + 1)));
    return testing::AssertionSuccess();
}

testing::AssertionResult ServerProcess::restart(Port port) {
    if (running()) {
        const auto status = stop();
        if (!status.clean()) {
            return testing::AssertionFailure() << "musterd did not stop cleanly before the "
                                                  "restart: "
                                               << status.describe();
        }
    }
    if (port == Port::same) {
        if (port_ == 0) return testing::AssertionFailure() << "restart(Port::same) before start";
        set_option("server.listen", host_ + ":" + std::to_string(port_));
    }
    return start();
}

ExitStatus ServerProcess::stop() {
    if (!process_ || !process_->running()) {
        return process_ && process_->exit_status() ? *process_->exit_status() : ExitStatus{};
    }
    expected_exit_ = true;
    process_->signal(SIGTERM);
    if (auto status = process_->wait(options_.stop_timeout)) return *status;
    ADD_FAILURE() << "musterd (pid " << process_->pid() << ") ignored SIGTERM for "
                  << options_.stop_timeout.count()
                  << " ms; killing it\n--- musterd.log (tail) ---\n"
                  << log_tail();
    return process_->kill();
}

ExitStatus ServerProcess::kill() {
    if (!process_) return ExitStatus{};
    expected_exit_ = true;
    return process_->kill();
}

void ServerProcess::signal(int number) {
    if (!process_) return;
    if (number == SIGTERM || number == SIGKILL || number == SIGINT) expected_exit_ = true;
    process_->signal(number);
}

std::optional<ExitStatus> ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
    if (!process_) return std::nullopt;
    return process_->wait(timeout);
}

bool ServerProcess::running() const {
    return process_ && process_->running();
}
pid_t ServerProcess::pid() const {
    return process_ ? process_->pid() : -1;
}

std::string ServerProcess::endpoint() const {
    const bool ipv6 = host_.find(':') != std::string::npos;
    return (ipv6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

std::string ServerProcess::log_text() const {
    return read_file(log_path());
}

std::string ServerProcess::log_tail(std::size_t lines) const {
    return tail_lines(log_text(), lines);
}

std::string ServerProcess::token(const client::TokenSpec& spec) const {
    return client::mint_token(spec, options_.jwt_secret);
}

std::string ServerProcess::token(const std::string& user) const {
    client::TokenSpec spec;
    spec.user = user;
    return token(spec);
}

std::string ServerProcess::admin_token() const {
    client::TokenSpec spec;
    spec.user = "admin";
    spec.name = "Admin";
    spec.roles = {"admin"};
    return token(spec);
}

client::ConnectOptions ServerProcess::connect_options(client::Encoding encoding) const {
    client::ConnectOptions options;
    options.host = host_;
    options.port = port_;
    options.encoding = encoding;
    return options;
}

}  // namespace muster::test
