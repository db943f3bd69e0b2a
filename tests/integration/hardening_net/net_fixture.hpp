#pragma once
// The network layer under attack: one musterd (embedded backend: nothing here touches stored
// state), raw sockets that do what no polite client does, and the node's memory as the kernel
// reports it (/proc/<pid>/status), so that "bounded" is asserted in bytes, not in time.

#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "../session/raw_socket.hpp"
#include "support/harness.hpp"

namespace muster::test {

// A field of /proc/<pid>/status in KiB ("VmRSS", "VmHWM"); -1 when unreadable.
inline long proc_status_kib(pid_t pid, const std::string& field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
    }
    return -1;
}

// Waits (polling /proc, deadline generous) until pred(VmRSS KiB) holds; the last value read.
template <class Pred>
long await_rss(pid_t pid, Pred pred, std::chrono::milliseconds deadline) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    long rss = proc_status_kib(pid, "VmRSS");
    while (!pred(rss) && std::chrono::steady_clock::now() < end) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling, not syncing
        rss = proc_status_kib(pid, "VmRSS");
    }
    return rss;
}

// A TCP connection that sends nothing: what an attacker leaves open to hold a descriptor.
class IdleSocket {
  public:
    IdleSocket(const std::string& host, std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        ::inet_pton(AF_INET, host.c_str(), &address.sin_addr);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    }
    ~IdleSocket() { ::close(fd_); }
    IdleSocket(const IdleSocket&) = delete;
    IdleSocket& operator=(const IdleSocket&) = delete;

    [[nodiscard]] bool connected() const { return connected_; }
    // Whether the server closed it within `timeout` (EOF or reset; awaited, not slept).
    bool closed_by_peer(std::chrono::milliseconds timeout) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
        char byte = 0;
        return ::recv(fd_, &byte, 1, MSG_DONTWAIT) <= 0;
    }
    // Whether it is still open right now (nothing to read, no EOF), without waiting.
    bool open_now() {
        pollfd p{fd_, POLLIN, 0};
        return ::poll(&p, 1, 0) == 0;
    }

  private:
    int fd_ = -1;
    bool connected_ = false;
};

// The status line and whole reply of one raw HTTP exchange: sends `bytes`, reads until the
// server closes (or the deadline).
struct RawHttp {
    std::string all;
    bool eof = false;
    // The status codes of every response in `all`, in order.
    [[nodiscard]] std::vector<int> statuses() const {
        std::vector<int> out;
        for (std::size_t at = all.find("HTTP/1.1 "); at != std::string::npos;
             at = all.find("HTTP/1.1 ", at + 1)) {
            out.push_back(std::stoi(all.substr(at + 9, 3)));
        }
        return out;
    }
};

inline RawHttp raw_http(const ServerProcess& server, const std::string& bytes,
                        std::chrono::milliseconds deadline = default_wait) {
    RawSocket socket(server.host(), server.port());
    RawHttp out;
    if (!socket.send(bytes)) return out;
    out.all = socket.read_until_eof(deadline, out.eof);
    return out;
}

class NetTest : public testing::Test {
  public:
    void start(std::vector<std::string> args = {}) {
        ServerOptions options;
        options.args = std::move(args);
        server_ = std::make_unique<ServerProcess>(std::move(options));
        ASSERT_TRUE(server_->start());
    }
    ServerProcess& server() { return *server_; }

    // A WebSocket (JSON subprotocol) opened with a raw socket, handshake checked.
    std::unique_ptr<RawSocket> raw_ws() {
        auto socket = std::make_unique<RawSocket>(server().host(), server().port());
        const std::string response = socket->handshake();
        EXPECT_NE(response.find("101"), std::string::npos) << response;
        return socket;
    }

    std::unique_ptr<ServerProcess> server_;
};

}  // namespace muster::test
