#pragma once
// The client side of TLS for tests whose clients speak plain TCP: a loopback port whose
// connections are carried over TLS (OpenSSL) to a server, which must present a certificate
// for `host_name` signed by `ca_file`. The test's clients connect to port() as if it were the
// server; everything they send crosses a verified TLS connection, as a phone's would.
//
//   TlsTunnel tunnel(nginx_port, ca.pem, "localhost");
//   auto options = client::ConnectOptions{.host = "127.0.0.1", .port = tunnel.port()};
//
// One thread per carried connection, blocking I/O, poll() for both directions. A connection
// whose TLS handshake or certificate check fails is closed at once and counted in failures().

#include <arpa/inet.h>
#include <atomic>
#include <cstdint>
#include <list>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace muster::test {

class TlsTunnel {
  public:
    TlsTunnel(std::uint16_t target_port, const std::string& ca_file, std::string host_name)
        : target_port_(target_port), host_name_(std::move(host_name)) {
        context_ = SSL_CTX_new(TLS_client_method());
        if (context_ == nullptr ||
            SSL_CTX_load_verify_locations(context_, ca_file.c_str(), nullptr) != 1)
            throw std::runtime_error("TlsTunnel: cannot load " + ca_file);
        SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, nullptr);
        // A record that carries no application data (TLS 1.3 session tickets, which nginx
        // sends right after the handshake) must make SSL_read return WANT_READ rather than
        // block for the next record: on these blocking sockets it would otherwise wait for the
        // server's answer to a request this same thread has not forwarded yet.
        SSL_CTX_clear_mode(context_, SSL_MODE_AUTO_RETRY);
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (listener_ < 0 ||
            ::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
            ::listen(listener_, 64) != 0 ||
            ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            throw std::runtime_error("TlsTunnel: cannot listen");
        }
        port_ = ntohs(address.sin_port);
        acceptor_ = std::thread([this] { accept_loop(); });
    }
    ~TlsTunnel() {
        stop_ = true;
        ::shutdown(listener_, SHUT_RDWR);
        acceptor_.join();
        for (auto& carrier : carriers_) carrier.join();
        ::close(listener_);
        SSL_CTX_free(context_);
    }
    TlsTunnel(const TlsTunnel&) = delete;
    TlsTunnel& operator=(const TlsTunnel&) = delete;

    [[nodiscard]] std::uint16_t port() const { return port_; }
    // Connections dropped because TLS or the certificate check failed.
    [[nodiscard]] int failures() const { return failures_.load(); }
    // Connections that completed a verified TLS handshake.
    [[nodiscard]] int verified() const { return verified_.load(); }

  private:
    void accept_loop() {
        while (!stop_) {
            pollfd fd{listener_, POLLIN, 0};
            if (::poll(&fd, 1, 50) <= 0) continue;
            const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) continue;
            std::lock_guard lock(mutex_);
            carriers_.emplace_back([this, client] { carry(client); });
        }
    }

    int connect_target() const {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(target_port_);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0)
            return fd;
        if (fd >= 0) ::close(fd);
        return -1;
    }

    // One connection's life: TLS handshake with verification, then bytes both ways.
    void carry(int client) {
        const int server = connect_target();
        SSL* tls = server < 0 ? nullptr : SSL_new(context_);
        bool ok = tls != nullptr;
        if (ok) {
            SSL_set_fd(tls, server);
            SSL_set_tlsext_host_name(tls, host_name_.c_str());  // SNI
            SSL_set1_host(tls, host_name_.c_str());             // the name the cert must carry
            ok = SSL_connect(tls) == 1 && SSL_get_verify_result(tls) == X509_V_OK;
        }
        if (!ok) {
            ++failures_;
        } else {
            ++verified_;
            pump(client, server, tls);
            SSL_shutdown(tls);
        }
        if (tls != nullptr) SSL_free(tls);
        if (server >= 0) ::close(server);
        ::close(client);
    }

    void pump(int client, int server, SSL* tls) {
        char buffer[16384];
        while (!stop_) {
            // Bytes OpenSSL already decrypted do not show in poll(): drain them first.
            if (SSL_pending(tls) == 0) {
                pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
                if (::poll(fds, 2, 50) <= 0) continue;
                if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
                    const ssize_t got = ::read(client, buffer, sizeof buffer);
                    if (got <= 0 || SSL_write(tls, buffer, static_cast<int>(got)) <= 0) return;
                }
                if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
            }
            const int got = SSL_read(tls, buffer, sizeof buffer);
            if (got <= 0) {
                const int error = SSL_get_error(tls, got);
                if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) continue;
                return;  // closed or failed
            }
            for (int sent = 0; sent < got;) {
                const ssize_t n = ::send(client, buffer + sent,
                                         static_cast<std::size_t>(got - sent), MSG_NOSIGNAL);
                if (n <= 0) return;
                sent += static_cast<int>(n);
            }
        }
    }

    std::uint16_t target_port_;
    std::string host_name_;
    SSL_CTX* context_ = nullptr;
    std::uint16_t port_ = 0;
    int listener_ = -1;
    std::atomic<bool> stop_{false};
    std::atomic<int> failures_{0};
    std::atomic<int> verified_{0};
    std::mutex mutex_;
    std::list<std::thread> carriers_;
    std::thread acceptor_;  // last: starts once the rest exists
};

}  // namespace muster::test
