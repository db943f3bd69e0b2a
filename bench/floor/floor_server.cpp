// The raw floor of group fan-out: BENCH.md's "raw epoll, one write() per socket per message",
// measured in the same run as Muster. One thread, level-triggered epoll, the WebSocket
// handshake and framing, and for every publish one write() to every member of the group: no
// log, no authentication, no queue beyond what a socket refuses, no coalescing. Whatever a
// real server does per delivery when each message is its own write costs at least this much on
// this machine, so Muster's CPU per delivery is read against it (bench/README.md).
//
// Speaks the load generator's `ws-json` protocol, as bench/peers/ws-server.js does:
//   -> {"id":N,"subscribe":{"group":G}}          <- {"id":N,"subscribe":{"latestSeq":S}}
//   -> {"id":N,"publish":{"group":G,"text":T}}   <- {"id":N,"publish":{"seq":S}}
//   and to every member of G:                    <- {"event":{"group":G,"seq":S,"chat":{"text":T}}}
//
// Usage: muster-bench-floor [port]   (0 = any); prints "listening on 127.0.0.1:PORT".
// Benchmark scaffolding, not a server: it trusts its one client (the load generator).

#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <string_view>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <openssl/evp.h>

namespace {

constexpr std::size_t max_message = 1 << 20;  // a client frame larger than this closes it

struct Room {
    std::uint64_t seq = 0;
    std::unordered_set<int> members;
};

struct Conn {
    bool upgraded = false;
    bool want_out = false;
    std::string in;
    std::string out;  // what the socket refused, written when it is writable again
    std::vector<std::string> rooms;
};

int epoll_fd = -1;
std::unordered_map<int, Conn> conns;
std::unordered_map<std::string, Room> rooms;

void watch(int fd, bool out) {
    epoll_event event{};
    event.events = EPOLLIN | (out ? EPOLLOUT : 0U);
    event.data.fd = fd;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &event);
}

void close_conn(int fd) {
    auto it = conns.find(fd);
    if (it == conns.end()) return;
    for (const auto& name : it->second.rooms) rooms[name].members.erase(fd);
    conns.erase(it);
    ::close(fd);
}

// One write(); what the socket does not take waits for EPOLLOUT, behind anything waiting.
void send_bytes(int fd, Conn& c, std::string_view bytes) {
    if (!c.out.empty()) {
        c.out.append(bytes);
        return;
    }
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n == static_cast<ssize_t>(bytes.size())) return;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return;  // closed: EPOLLIN tells
    c.out.assign(bytes.substr(n < 0 ? 0 : static_cast<std::size_t>(n)));
    c.want_out = true;
    watch(fd, true);
}

void on_writable(int fd, Conn& c) {
    const ssize_t n = ::write(fd, c.out.data(), c.out.size());
    if (n > 0) c.out.erase(0, static_cast<std::size_t>(n));
    if (c.out.empty() && c.want_out) {
        c.want_out = false;
        watch(fd, false);
    }
}

std::string text_frame(std::string_view payload) {
    std::string frame;
    frame.push_back(static_cast<char>(0x81));
    if (payload.size() < 126) {
        frame.push_back(static_cast<char>(payload.size()));
    } else if (payload.size() <= 0xFFFF) {
        frame.push_back(static_cast<char>(126));
        frame.push_back(static_cast<char>(payload.size() >> 8));
        frame.push_back(static_cast<char>(payload.size() & 0xFF));
    } else {
        frame.push_back(static_cast<char>(127));
        for (int shift = 56; shift >= 0; shift -= 8)
            frame.push_back(static_cast<char>((payload.size() >> shift) & 0xFF));
    }
    frame.append(payload);
    return frame;
}

// The JSON string value after `"key":"` (raw: escapes kept), or empty.
std::string_view string_field(std::string_view json, std::string_view key) {
    std::string pattern(1, '"');  // built in steps: GCC 12 -Wrestrict misfires on "..." + s
    pattern.append(key).append("\":\"");
    const auto at = json.find(pattern);
    if (at == std::string_view::npos) return {};
    const auto begin = at + pattern.size();
    for (auto i = begin; i < json.size(); ++i) {
        if (json[i] == '\\') {
            ++i;
        } else if (json[i] == '"') {
            return json.substr(begin, i - begin);
        }
    }
    return {};
}

std::string_view id_field(std::string_view json) {
    const auto at = json.find("\"id\":");
    if (at == std::string_view::npos) return "0";
    const auto begin = at + 5;
    auto end = begin;
    while (end < json.size() && json[end] >= '0' && json[end] <= '9') ++end;
    return json.substr(begin, end - begin);
}

void on_message(int fd, Conn& c, std::string_view json) {
    const std::string id(id_field(json));
    if (json.find("\"publish\":") != std::string_view::npos) {
        const std::string group(string_field(json, "group"));
        Room& room = rooms[group];
        const std::uint64_t seq = ++room.seq;
        const std::string event = text_frame(R"({"event":{"group":")" + group + R"(","seq":)" +
                                             std::to_string(seq) + R"(,"chat":{"text":")" +
                                             std::string(string_field(json, "text")) + R"("}}})");
        for (const int member : room.members) send_bytes(member, conns[member], event);
        send_bytes(
            fd, c,
            text_frame(R"({"id":)" + id + R"(,"publish":{"seq":)" + std::to_string(seq) + "}}"));
    } else if (json.find("\"subscribe\":") != std::string_view::npos) {
        const std::string group(string_field(json, "group"));
        Room& room = rooms[group];
        if (room.members.insert(fd).second) c.rooms.push_back(group);
        send_bytes(fd, c,
                   text_frame(R"({"id":)" + id + R"(,"subscribe":{"latestSeq":)" +
                              std::to_string(room.seq) + "}}"));
    } else {
        send_bytes(fd, c, text_frame(R"({"id":)" + id + R"(,"connect":{}})"));
    }
}

std::string accept_key(std::string_view key) {
    std::string input(key);
    input.append("258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    ::EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha1(), nullptr);
    unsigned char encoded[64];
    const int n = ::EVP_EncodeBlock(encoded, digest, static_cast<int>(length));
    return {reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n)};
}

// False when the connection must close.
bool on_upgrade(int fd, Conn& c) {
    const auto end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) return c.in.size() < 16384;
    std::string head = c.in.substr(0, end);
    c.in.erase(0, end + 4);
    std::string lower = head;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const auto at = lower.find("sec-websocket-key:");
    if (at == std::string::npos) return false;
    auto begin = at + 18;
    while (begin < head.size() && head[begin] == ' ') ++begin;
    auto stop = head.find("\r\n", begin);
    if (stop == std::string::npos) stop = head.size();
    const std::string response =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " +
        accept_key(std::string_view(head).substr(begin, stop - begin)) + "\r\n\r\n";
    send_bytes(fd, c, response);
    c.upgraded = true;
    return true;
}

// Every whole frame in c.in; false when the connection must close.
bool on_frames(int fd, Conn& c) {
    std::size_t pos = 0;
    while (c.in.size() - pos >= 2) {
        const auto* p = reinterpret_cast<const unsigned char*>(c.in.data() + pos);
        const std::size_t available = c.in.size() - pos;
        const int opcode = p[0] & 0x0F;
        const bool masked = (p[1] & 0x80) != 0;
        std::uint64_t length = p[1] & 0x7F;
        std::size_t header = 2;
        if (length == 126) {
            if (available < 4) break;
            length = (std::uint64_t{p[2]} << 8) | p[3];
            header = 4;
        } else if (length == 127) {
            if (available < 10) break;
            length = 0;
            for (int i = 0; i < 8; ++i) length = (length << 8) | p[2 + i];
            header = 10;
        }
        if (length > max_message) return false;
        const std::size_t mask_at = header;
        if (masked) header += 4;
        if (available < header + length) break;
        std::string payload(c.in.data() + pos + header, length);
        if (masked) {
            for (std::size_t i = 0; i < payload.size(); ++i)
                payload[i] = static_cast<char>(payload[i] ^ p[mask_at + (i & 3)]);
        }
        pos += header + length;
        if (opcode == 0x8) return false;
        if (opcode == 0x9) {
            std::string pong = text_frame(payload);
            pong[0] = static_cast<char>(0x8A);
            send_bytes(fd, c, pong);
        } else if (opcode == 0x1) {
            on_message(fd, c, payload);
        }
    }
    c.in.erase(0, pos);
    return true;
}

void on_readable(int fd) {
    char buffer[65536];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        close_conn(fd);
        return;
    }
    if (n < 0) return;
    Conn& c = conns[fd];
    c.in.append(buffer, static_cast<std::size_t>(n));
    if (!c.upgraded && !on_upgrade(fd, c)) {
        close_conn(fd);
        return;
    }
    if (c.upgraded && !on_frames(fd, conns[fd])) close_conn(fd);
}

}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    const int port = argc > 1 ? std::atoi(argv[1]) : 0;
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener, 4096) != 0) {
        std::perror("bind/listen");
        return 1;
    }
    socklen_t size = sizeof address;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &size);
    std::printf("listening on 127.0.0.1:%d\n", ntohs(address.sin_port));
    std::fflush(stdout);

    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = listener;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listener, &event);
    std::vector<epoll_event> events(1024);
    for (;;) {
        const int ready =
            ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), -1);
        for (int i = 0; i < ready; ++i) {
            const int fd = events[i].data.fd;
            if (fd == listener) {
                for (;;) {
                    const int client =
                        ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (client < 0) break;
                    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conns[client];
                    epoll_event added{};
                    added.events = EPOLLIN;
                    added.data.fd = client;
                    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, client, &added);
                }
                continue;
            }
            auto it = conns.find(fd);
            if (it == conns.end()) continue;
            if ((events[i].events & EPOLLOUT) != 0) on_writable(fd, it->second);
            if ((events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) on_readable(fd);
        }
    }
}
