#pragma once
// The single-node suite: every test starts its own musterd on the backend it is given
// (embedded, and Redis once the node supports it), with a fresh data directory.

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/backend.hpp"
#include "support/harness.hpp"

namespace muster::test {

namespace v1 = muster::v1;

class SessionTest : public testing::TestWithParam<Backend> {
  protected:
    // Starts the node with extra "--key=value" options.
    void start(std::vector<std::string> args = {}) {
        ServerOptions options;
        options.args = std::move(args);
        node_ = std::make_unique<NodeUnderTest>(GetParam(), std::move(options));
        ASSERT_TRUE(node_->start());
    }
    ServerProcess& server() { return node_->server(); }

    // A group with members (and optionally a coordinator).
    void group_with(const std::string& group, const std::vector<std::string>& members,
                    const std::string& coordinator = {}) {
        create_group(server(), group);
        for (const auto& user : members) add_member(server(), group, user);
        if (!coordinator.empty()) add_member(server(), group, coordinator, "coordinator");
    }

    std::unique_ptr<NodeUnderTest> node_;
};

// Options for tests that pipeline hundreds of commands on one connection: the default rate
// limit (50/s, burst 100) would rightly close them with 4029.
inline std::vector<std::string> without_rate_limit() {
    return {"--limits.commands_per_second=1000000", "--limits.command_burst=1000000"};
}

inline v1::ClientFrame publish_frame(const std::string& group, const std::string& text,
                                     const std::string& client_msg_id = {}) {
    v1::ClientFrame frame;
    auto* publish = frame.mutable_publish();
    publish->set_group(group);
    publish->set_text(text);
    publish->set_client_msg_id(client_msg_id);
    return frame;
}

inline v1::ClientFrame subscribe_frame(const std::string& group) {
    v1::ClientFrame frame;
    frame.mutable_subscribe()->set_group(group);
    return frame;
}

}  // namespace muster::test
