#pragma once
// The abuse suite: what an attacker or a careless operator does to a node, and the bound that
// holds. Every test starts its own musterd on the backend it is given (embedded or Redis).
// Memory is measured as the musterd child's VmRSS (/proc/PID/status) before and after the
// abuse: a bound holds when the growth stays far below what the abuse would cost unbounded,
// whatever the speed of the machine (nothing here is timed).

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/backend.hpp"
#include "support/harness.hpp"

namespace muster::test {

namespace v1 = muster::v1;

class HardeningTest : public testing::TestWithParam<Backend> {
  protected:
    void start(std::vector<std::string> args = {}) {
        ServerOptions options;
        options.args = std::move(args);
        node_ = std::make_unique<NodeUnderTest>(GetParam(), std::move(options));
        ASSERT_TRUE(node_->start());
    }
    ServerProcess& server() { return node_->server(); }

    void group_with(const std::string& group, const std::vector<std::string>& members) {
        create_group(server(), group);
        for (const auto& user : members) add_member(server(), group, user);
    }

    std::unique_ptr<NodeUnderTest> node_;
};

// Resident memory of a process in bytes (VmRSS), 0 when it cannot be read.
inline std::uint64_t rss_bytes(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    }
    return 0;
}

inline v1::ClientFrame subscribe_frame(const std::string& group) {
    v1::ClientFrame frame;
    frame.mutable_subscribe()->set_group(group);
    return frame;
}

}  // namespace muster::test

namespace muster::test {

// The value of an unlabelled metric from GET /metrics; -1 when it is not listed.
inline double metric_value(const ServerProcess& server, const std::string& name) {
    const auto response = http_call(server, "GET", "/metrics");
    const std::string prefix = name + " ";
    std::size_t at = 0;
    while (at < response.body.size()) {
        const auto end = response.body.find('\n', at);
        const std::string line = response.body.substr(at, end - at);
        if (line.rfind(prefix, 0) == 0) return std::stod(line.substr(prefix.size()));
        if (end == std::string::npos) break;
        at = end + 1;
    }
    return -1;
}

// Polls GET /metrics until `done(value)` holds (the state the test awaits), or the deadline
// (a failure: the state never came). Not a sleep: it returns as soon as the state is there.
template <class Predicate>
testing::AssertionResult await_metric(const ServerProcess& server, const std::string& name,
                                      Predicate done,
                                      std::chrono::milliseconds wait = default_wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    double value = metric_value(server, name);
    while (!done(value)) {
        if (std::chrono::steady_clock::now() > deadline)
            return testing::AssertionFailure() << name << " stayed at " << value;
        value = metric_value(server, name);
    }
    return testing::AssertionSuccess();
}

// `count` chat messages of `bytes` bytes each in `group`, published by `user` (a member).
inline void fill_log(const ServerProcess& server, const std::string& group, const std::string& user,
                     int count, std::size_t bytes) {
    auto writer = TestClient::connect(server, user);
    const std::string text(bytes, 'x');
    for (int i = 0; i < count; ++i) writer.publish(group, text);
}

}  // namespace muster::test
