// One embedded node per data directory, and no store internals in what clients read.

#include <array>
#include <cstdio>

#include "hardening_fixture.hpp"

namespace muster::test {
namespace {

// A second musterd on the data directory of a running embedded node is refused at start with
// a message that says what to do; the first keeps serving writes.
TEST(DataDirectory, a_second_embedded_node_on_the_same_directory_is_refused) {
    ServerProcess first;
    ASSERT_TRUE(first.start());
    create_group(first, "g");
    add_member(first, "g", "alice");

    ServerOptions options;
    options.data_dir = first.data_dir();
    ServerProcess second(std::move(options));
    EXPECT_FALSE(second.start()) << "a second node started on the same data directory";
    const std::string log = first.log_text();  // both write DIR/musterd.log
    EXPECT_NE(log.find("is in use by another musterd (pid " + std::to_string(first.pid())),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("redis.url"), std::string::npos) << log;

    auto alice = TestClient::connect(first, "alice");
    alice.subscribe("g");
    const auto seq = alice.publish("g", "still writing").seq();
    EXPECT_EQ(alice.expect_chat("g", "still writing").seq(), seq);

    // Once the first is gone, the directory is free again.
    first.stop();
    EXPECT_TRUE(second.start());
}

std::string redis_cli(std::uint16_t port, const std::string& args) {
    const std::string command = "redis-cli -p " + std::to_string(port) + " " + args + " 2>&1";
    std::string out;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
        std::array<char, 256> buffer{};
        while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) out += buffer.data();
        ::pclose(pipe);
    }
    return out;
}

// A store failure reaches the client as INTERNAL or UNAVAILABLE with a generic message; what
// the store said (here Redis's WRONGTYPE about a damaged key) is in the node's log only.
TEST(StoreErrors, clients_never_read_what_the_store_said) {
    NodeUnderTest node(Backend::redis);
    MUSTER_REQUIRE_REDIS();
    ASSERT_TRUE(node.start());
    auto& server = node.server();
    create_group(server, "g");
    add_member(server, "g", "alice");
    auto alice = TestClient::connect(server, "alice");
    alice.publish("g", "before");
    // Damage the group's sequence counter: the next append fails inside Redis.
    const std::string key = "muster:{g:g}:seq";
    redis_cli(node.redis()->port(), "DEL '" + key + "'");
    redis_cli(node.redis()->port(), "HSET '" + key + "' damaged yes");

    v1::ClientFrame publish;
    publish.mutable_publish()->set_group("g");
    publish.mutable_publish()->set_text("after");
    auto answered = alice.session().call(publish);
    ASSERT_TRUE(answered) << answered.failure().describe();
    const v1::ServerFrame reply = *answered;
    ASSERT_TRUE(reply.has_error()) << reply.ShortDebugString();
    EXPECT_TRUE(reply.error().code() == v1::Error::INTERNAL ||
                reply.error().code() == v1::Error::UNAVAILABLE);
    EXPECT_EQ(reply.error().message().find("WRONGTYPE"), std::string::npos)
        << reply.error().message();
    EXPECT_EQ(reply.error().message().find("redis"), std::string::npos) << reply.error().message();

    const auto http = http_call(server, "POST", "/api/v1/groups/g/messages", R"({"text":"x"})",
                                server.token("alice"));
    EXPECT_GE(http.status, 500);
    EXPECT_EQ(http.body.find("WRONGTYPE"), std::string::npos) << http.body;
    EXPECT_NE(server.log_text().find("WRONGTYPE"), std::string::npos) << "the detail is logged";
}

}  // namespace
}  // namespace muster::test
