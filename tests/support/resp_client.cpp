#include "support/resp_client.hpp"

#include <arpa/inet.h>
#include <cstdlib>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace muster::test {

RespClient::~RespClient() {
    close();
}

void RespClient::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buffer_.clear();
    at_ = 0;
}

bool RespClient::connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port_);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        close();
        return false;
    }
    return true;
}

bool RespClient::fill() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout_.count())) <= 0) return false;
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
}

// One reply from buffer_ at at_, reading more as needed; nullopt on a broken connection.
std::optional<Resp> RespClient::parse() {
    auto line = [&]() -> std::optional<std::string> {
        for (;;) {
            const auto end = buffer_.find("\r\n", at_);
            if (end != std::string::npos) {
                std::string out = buffer_.substr(at_, end - at_);
                at_ = end + 2;
                return out;
            }
            if (!fill()) return std::nullopt;
        }
    };
    const auto head = line();
    if (!head || head->empty()) return std::nullopt;
    Resp out;
    const std::string rest = head->substr(1);
    switch ((*head)[0]) {
        case '+':
            out.kind = Resp::Kind::string;
            out.str = rest;
            return out;
        case '-':
            out.kind = Resp::Kind::error;
            out.str = rest;
            return out;
        case ':':
            out.kind = Resp::Kind::integer;
            out.integer = std::strtoll(rest.c_str(), nullptr, 10);
            return out;
        case '$': {
            const long long n = std::strtoll(rest.c_str(), nullptr, 10);
            if (n < 0) return out;  // nil
            while (buffer_.size() - at_ < static_cast<std::size_t>(n) + 2) {
                if (!fill()) return std::nullopt;
            }
            out.kind = Resp::Kind::string;
            out.str = buffer_.substr(at_, static_cast<std::size_t>(n));
            at_ += static_cast<std::size_t>(n) + 2;
            return out;
        }
        case '*': {
            const long long n = std::strtoll(rest.c_str(), nullptr, 10);
            if (n < 0) return out;  // nil
            out.kind = Resp::Kind::array;
            for (long long i = 0; i < n; ++i) {
                auto element = parse();
                if (!element) return std::nullopt;
                out.elements.push_back(std::move(*element));
            }
            return out;
        }
        default:
            return std::nullopt;
    }
}

std::optional<Resp> RespClient::call(const std::vector<std::string>& args) {
    if (fd_ < 0 && !connect()) return std::nullopt;
    std::string request = "*" + std::to_string(args.size()) + "\r\n";
    for (const auto& arg : args) {
        request += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
    }
    for (std::size_t sent = 0; sent < request.size();) {
        const ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            close();
            return std::nullopt;
        }
        sent += static_cast<std::size_t>(n);
    }
    auto reply = parse();
    if (!reply) {
        close();
        return std::nullopt;
    }
    buffer_.erase(0, at_);
    at_ = 0;
    return reply;
}

}  // namespace muster::test
