#include "loadgen/admin.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "loadgen/clock.hpp"

namespace muster::loadgen {
namespace {

struct HttpConn {
    int fd = -1;
    bool busy = false;
    std::string in;
};

int connect_to(const HttpTarget& target) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(target.port);
    if (::inet_pton(AF_INET, target.host.c_str(), &address.sin_addr) != 1 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

std::string request(const HttpTarget& target, std::string_view method, const std::string& path,
                    std::string_view body) {
    std::string r;
    r.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: ").append(target.host);
    r.append("\r\nAuthorization: Bearer ").append(target.token);
    r.append("\r\nContent-Type: application/json\r\nContent-Length: ");
    r.append(std::to_string(body.size())).append("\r\n\r\n").append(body);
    return r;
}

bool send_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// The status of the complete response at the front of `in` (removed), 0 when incomplete.
int take_response(std::string& in) {
    const auto head_end = in.find("\r\n\r\n");
    if (head_end == std::string::npos || in.size() < 12) return 0;
    std::size_t length = 0;
    for (const char* name : {"Content-Length:", "content-length:"}) {
        const auto at = in.find(name);
        if (at != std::string::npos && at < head_end) {
            length = std::stoul(in.substr(at + 15, head_end - at - 15));
        }
    }
    if (in.size() < head_end + 4 + length) return 0;
    const int status = std::stoi(in.substr(9, 3));
    in.erase(0, head_end + 4 + length);
    return status;
}

// One request on a fresh connection; the status, or 0 when there was no answer.
int call(const HttpTarget& target, std::string_view method, const std::string& path) {
    const int fd = connect_to(target);
    if (fd < 0) return 0;
    int status = 0;
    if (send_all(fd, request(target, method, path, {}))) {
        std::string in;
        char buffer[4096];
        while (status == 0) {
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0) break;
            in.append(buffer, static_cast<std::size_t>(n));
            status = take_response(in);
        }
    }
    ::close(fd);
    return status;
}

}  // namespace

bool create_groups(const HttpTarget& target, const std::vector<std::string>& names,
                   std::uint32_t concurrency, double timeout_s, Errors& errors) {
    if (names.empty()) return true;
    const std::int64_t deadline = now_ns() + static_cast<std::int64_t>(timeout_s * 1e9);
    std::vector<HttpConn> conns(std::min<std::size_t>(std::max(concurrency, 1u), names.size()));
    for (HttpConn& c : conns) {
        c.fd = connect_to(target);
        if (c.fd < 0) {
            errors.add("admin http: cannot connect");
            for (HttpConn& open : conns) {
                if (open.fd >= 0) ::close(open.fd);
            }
            return false;
        }
    }
    std::size_t next = 0;
    std::size_t done = 0;
    bool ok = true;
    std::vector<pollfd> fds(conns.size());
    while (done < names.size() && ok) {
        for (std::size_t i = 0; i < conns.size(); ++i) {
            HttpConn& c = conns[i];
            if (!c.busy && c.fd >= 0 && next < names.size()) {
                const std::string& name = names[next++];
                const std::string body = R"({"name":")" + name + R"("})";
                if (!send_all(c.fd, request(target, "PUT", "/api/v1/groups/" + name, body))) {
                    errors.add("admin http: write failed");
                    ok = false;
                }
                c.busy = true;
            }
            fds[i] = pollfd{c.busy ? c.fd : -1, POLLIN, 0};
        }
        const auto left_ms = (deadline - now_ns()) / ns_per_ms;
        if (left_ms <= 0) {
            errors.add("admin http: timed out creating groups");
            ok = false;
            break;
        }
        if (::poll(fds.data(), fds.size(), static_cast<int>(left_ms)) < 0) continue;
        for (std::size_t i = 0; i < conns.size(); ++i) {
            HttpConn& c = conns[i];
            if (!c.busy || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
            char buffer[4096];
            const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
            if (n <= 0) {
                errors.add("admin http: connection closed");
                ok = false;
                break;
            }
            c.in.append(buffer, static_cast<std::size_t>(n));
            if (const int status = take_response(c.in); status != 0) {
                if (status / 100 != 2) {
                    errors.add("admin http: PUT group answered " + std::to_string(status));
                    ok = false;
                }
                c.busy = false;
                ++done;
            }
        }
    }
    for (HttpConn& c : conns) ::close(c.fd);
    if (!ok) return false;

    // The node answers a PUT before its group tree is reloaded: wait until the last group
    // is known (a 404 means not yet).
    const std::string probe = "/api/v1/groups/" + names.back() + "/members";
    while (now_ns() < deadline) {
        const int status = call(target, "GET", probe);
        if (status != 0 && status != 404) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    errors.add("admin http: groups not visible in time");
    return false;
}

}  // namespace muster::loadgen
