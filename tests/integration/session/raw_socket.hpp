#pragma once
// A WebSocket client with no manners, over a plain TCP socket: it completes the handshake and
// then sends exactly the bytes a test gives it and answers nothing (no pongs), which the
// client library would never do. For protocol-violation and idle-timeout tests.

#include <arpa/inet.h>
#include <chrono>
#include <cstdint>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace muster::test {

class RawSocket {
  public:
    RawSocket(const std::string& host, std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        ::inet_pton(AF_INET, host.c_str(), &address.sin_addr);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    }
    ~RawSocket() {
        if (fd_ >= 0) ::close(fd_);
    }
    RawSocket(const RawSocket&) = delete;
    RawSocket& operator=(const RawSocket&) = delete;

    // Sends the upgrade request and reads up to the end of the response headers.
    std::string handshake(const std::string& extra_headers = {}) {
        send(
            "GET /ws HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: muster.v1.json\r\n" +
            extra_headers + "\r\n");
        std::string response;
        while (response.find("\r\n\r\n") == std::string::npos) {
            const std::string more = read_some(std::chrono::seconds(15));
            if (more.empty()) break;
            response += more;
        }
        return response;
    }

    bool send(const std::string& bytes) {
        return connected_ && ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
                                 static_cast<ssize_t>(bytes.size());
    }

    // A client frame with the mask bit set (mask of zeros, so the payload reads as is).
    static std::string masked_frame(std::uint8_t opcode, const std::string& payload) {
        std::string frame;
        frame.push_back(static_cast<char>(0x80 | opcode));
        if (payload.size() < 126) {
            frame.push_back(static_cast<char>(0x80 | payload.size()));
        } else {  // up to 64 KiB in these tests
            frame.push_back(static_cast<char>(0x80 | 126));
            frame.push_back(static_cast<char>(payload.size() >> 8));
            frame.push_back(static_cast<char>(payload.size() & 0xFF));
        }
        frame.append(4, '\0');
        frame.append(payload);
        return frame;
    }

    // What arrives within `timeout`; empty on EOF or timeout.
    std::string read_some(std::chrono::milliseconds timeout) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return {};
        char buffer[4096];
        const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
    }

    // Everything until the server closes the TCP connection (or the deadline passes).
    std::string read_until_eof(std::chrono::milliseconds deadline, bool& eof) {
        std::string all;
        const auto end = std::chrono::steady_clock::now() + deadline;
        eof = false;
        while (std::chrono::steady_clock::now() < end) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            char buffer[4096];
            const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0) {
                eof = true;
                break;
            }
            all.append(buffer, static_cast<std::size_t>(n));
        }
        return all;
    }

    // The code of the first close frame (opcode 8) in server bytes; 0 if none.
    static std::uint16_t close_code_in(const std::string& bytes) {
        std::size_t i = 0;
        while (i + 2 <= bytes.size()) {
            const auto opcode = static_cast<unsigned char>(bytes[i]) & 0x0F;
            std::size_t length = static_cast<unsigned char>(bytes[i + 1]) & 0x7F;
            std::size_t header = 2;
            if (length == 126) {
                length = (static_cast<std::size_t>(static_cast<unsigned char>(bytes[i + 2])) << 8) |
                         static_cast<unsigned char>(bytes[i + 3]);
                header = 4;
            }
            if (opcode == 8 && length >= 2 && i + header + 2 <= bytes.size()) {
                return static_cast<std::uint16_t>(
                    (static_cast<unsigned char>(bytes[i + header]) << 8) |
                    static_cast<unsigned char>(bytes[i + header + 1]));
            }
            i += header + length;
        }
        return 0;
    }

  private:
    int fd_ = -1;
    bool connected_ = false;
};

}  // namespace muster::test
