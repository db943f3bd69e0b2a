// The harness itself: a RedisProcess starts, answers, and is gone when killed. (musterd tests
// live in their own files.)

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/redis_process.hpp"

namespace muster::test {
namespace {

// One inline command over a raw TCP connection; the first reply line, or "" on error.
std::string redis_command(std::uint16_t port, const std::string& command) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return {};
    timeval deadline{10, 0};  // only matters if redis hangs
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &deadline, sizeof deadline);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string reply;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
        const std::string line = command + "\r\n";
        if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(line.size())) {
            char buffer[256];
            while (reply.find("\r\n") == std::string::npos) {
                const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
                if (got <= 0) break;
                reply.append(buffer, static_cast<std::size_t>(got));
            }
        }
    }
    ::close(fd);
    return reply.substr(0, reply.find("\r\n"));
}

TEST(Harness, redis_process_answers_ping_and_is_gone_after_kill) {
    MUSTER_REQUIRE_REDIS();
    RedisProcess redis;
    ASSERT_TRUE(redis.start());
    ASSERT_GT(redis.port(), 0);
    EXPECT_EQ(redis.url(), "redis://127.0.0.1:" + std::to_string(redis.port()));

    EXPECT_EQ(redis_command(redis.port(), "PING"), "+PONG");

    const pid_t pid = redis.pid();
    const ExitStatus status = redis.kill();
    EXPECT_TRUE(status.signaled()) << status.describe();
    EXPECT_EQ(status.signal(), SIGKILL);
    EXPECT_FALSE(redis.running());
    // Reaped: no such process any more (not even a zombie).
    EXPECT_EQ(::kill(pid, 0), -1);
    EXPECT_EQ(errno, ESRCH);
}

}  // namespace
}  // namespace muster::test
