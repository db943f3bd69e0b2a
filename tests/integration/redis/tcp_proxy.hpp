#pragma once
// A loopback TCP proxy in front of redis-server that can make the connections it carries go
// silent without closing them: what a network partition or a dead NAT entry does to a
// connection, and what only a health check can notice (no FIN, no RST, nothing).
//
//   TcpProxy proxy(redis.port());
//   ... connect to proxy.port() ...
//   proxy.freeze_existing();   // every connection open now stops forwarding; new ones work

#include <arpa/inet.h>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace muster::test {

class TcpProxy {
  public:
    explicit TcpProxy(std::uint16_t target_port) : target_port_(target_port) {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (listener_ < 0 ||
            ::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
            ::listen(listener_, 64) != 0 ||
            ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            throw std::runtime_error("TcpProxy: cannot listen");
        }
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~TcpProxy() {
        stop_ = true;
        thread_.join();
        for (const auto& pair : pairs_) {
            ::close(pair.client);
            ::close(pair.server);
        }
        ::close(listener_);
    }
    TcpProxy(const TcpProxy&) = delete;
    TcpProxy& operator=(const TcpProxy&) = delete;

    [[nodiscard]] std::uint16_t port() const { return port_; }
    // Connections open now forward nothing any more (and stay open); later ones work.
    void freeze_existing() {
        std::lock_guard lock(mutex_);
        for (auto& pair : pairs_) pair.frozen = true;
    }

  private:
    struct Pair {
        int client;
        int server;
        bool frozen = false;
    };

    void accept_one() {
        const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) return;
        const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(target_port_);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (server < 0 ||
            ::connect(server, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            ::close(client);
            if (server >= 0) ::close(server);
            return;
        }
        std::lock_guard lock(mutex_);
        pairs_.push_back({client, server});
    }

    // Copies what `from` has to `to`; false when `from` is closed.
    static bool pump(int from, int to) {
        char buffer[16384];
        const ssize_t got = ::read(from, buffer, sizeof buffer);
        if (got <= 0) return false;
        for (ssize_t sent = 0; sent < got;) {
            const ssize_t n =
                ::send(to, buffer + sent, static_cast<std::size_t>(got - sent), MSG_NOSIGNAL);
            if (n <= 0) return false;
            sent += n;
        }
        return true;
    }

    void run() {
        while (!stop_) {
            std::vector<pollfd> fds{{listener_, POLLIN, 0}};
            std::vector<Pair> pairs;
            {
                std::lock_guard lock(mutex_);
                pairs = pairs_;
            }
            for (const auto& pair : pairs) {
                // A frozen pair is not read: its bytes stay in the kernel, unanswered.
                const short events = pair.frozen ? 0 : POLLIN;
                fds.push_back({pair.client, events, 0});
                fds.push_back({pair.server, events, 0});
            }
            if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
            if ((fds[0].revents & POLLIN) != 0) accept_one();
            std::vector<int> dead;
            for (std::size_t i = 0; i < pairs.size(); ++i) {
                const auto& pair = pairs[i];
                if (pair.frozen) continue;
                const bool ok = ((fds[1 + 2 * i].revents & (POLLIN | POLLHUP)) == 0 ||
                                 pump(pair.client, pair.server)) &&
                                ((fds[2 + 2 * i].revents & (POLLIN | POLLHUP)) == 0 ||
                                 pump(pair.server, pair.client));
                if (!ok) dead.push_back(pair.client);
            }
            if (dead.empty()) continue;
            std::lock_guard lock(mutex_);
            for (const int client : dead) {
                for (auto it = pairs_.begin(); it != pairs_.end(); ++it) {
                    if (it->client == client) {
                        ::close(it->client);
                        ::close(it->server);
                        pairs_.erase(it);
                        break;
                    }
                }
            }
        }
    }

    std::uint16_t target_port_;
    std::uint16_t port_ = 0;
    int listener_ = -1;
    std::mutex mutex_;
    std::vector<Pair> pairs_;
    std::atomic<bool> stop_{false};
    std::thread thread_;  // last: starts once the rest exists
};

}  // namespace muster::test
