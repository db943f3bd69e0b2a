#pragma once
// A blocking Redis client for tests: one TCP connection to 127.0.0.1:port, one command at a
// time, RESP2 replies parsed into a small tree. For asking a test's redis-server how it is
// (CLUSTER INFO, CLUSTER SLOTS, WAIT), never on a server's hot path.
//
// Errors: call() returns nullopt when the connection fails or the reply does not arrive within
// the timeout (the connection is closed then; the next call reconnects). A Redis error reply
// is a Resp with `error` set.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace muster::test {

struct Resp {
    enum class Kind : std::uint8_t { nil, integer, string, error, array };
    Kind kind = Kind::nil;
    std::int64_t integer = 0;
    std::string str;  // string, status, error
    std::vector<Resp> elements;

    [[nodiscard]] bool is_error() const { return kind == Kind::error; }
};

class RespClient {
  public:
    explicit RespClient(std::uint16_t port,
                        std::chrono::milliseconds timeout = std::chrono::milliseconds(2000))
        : port_(port), timeout_(timeout) {}
    ~RespClient();
    RespClient(const RespClient&) = delete;
    RespClient& operator=(const RespClient&) = delete;

    std::optional<Resp> call(const std::vector<std::string>& args);

  private:
    bool connect();
    void close();
    bool fill();  // reads more into buffer_; false on EOF, error or timeout
    std::optional<Resp> parse();

    std::uint16_t port_;
    std::chrono::milliseconds timeout_;
    int fd_ = -1;
    std::string buffer_;
    std::size_t at_ = 0;
};

}  // namespace muster::test
