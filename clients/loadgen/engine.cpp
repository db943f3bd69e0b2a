#include "loadgen/engine.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdexcept>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "loadgen/clock.hpp"
#include "loadgen/ws_codec.hpp"

namespace muster::loadgen {
namespace {

constexpr std::uint64_t timer_key = ~std::uint64_t{0};
constexpr std::size_t read_buffer_bytes = 256 * 1024;
constexpr std::size_t max_response_head = 16 * 1024;
constexpr int max_events = 512;

std::uint64_t key_of(const Conn& c) {
    return (std::uint64_t{c.generation} << 32) | c.index;
}

bool is_opening(Stage stage) {
    return stage != Stage::idle && stage != Stage::ready;
}

std::string errno_text(std::string_view what, int error) {
    return std::string(what) + ": " + std::strerror(error);
}

}  // namespace

Engine::Engine(EngineOptions options, const Protocol& protocol, Handler& handler,
               std::size_t connections)
    : options_(std::move(options)), protocol_(protocol), handler_(handler), conns_(connections) {
    for (std::size_t i = 0; i < conns_.size(); ++i) conns_[i].index = static_cast<std::uint32_t>(i);
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (epoll_fd_ < 0 || timer_fd_ < 0) throw std::runtime_error(errno_text("epoll", errno));
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = timer_key;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, timer_fd_, &event);
    read_buffer_.resize(read_buffer_bytes);
    dirty_.reserve(conns_.size());
    flushing_.reserve(conns_.size());
    request_ = upgrade_request(options_.host + ":" + std::to_string(options_.port),
                               protocol_.path(), protocol_.subprotocol());
}

Engine::~Engine() {
    for (Conn& c : conns_) {
        if (c.fd >= 0) ::close(c.fd);
    }
    ::close(timer_fd_);
    ::close(epoll_fd_);
}

void Engine::open(std::uint32_t index) {
    pending_open_.push_back(index);
}

void Engine::close(std::uint32_t index) {
    Conn& c = conns_[index];
    if (c.fd < 0) return;
    if (is_opening(c.stage)) --in_flight_;
    if (c.stage == Stage::ready) --ready_;
    release(c);
}

void Engine::close_all() {
    for (Conn& c : conns_) close(c.index);
    pending_open_.clear();
}

std::uint32_t Engine::publish(Conn& c, std::string_view group, std::string_view client_msg_id,
                              std::string_view text) {
    const std::uint32_t id = c.next_id++;
    protocol_.publish(scratch_, id, group, client_msg_id, text);
    send(c, protocol_.binary() ? Opcode::binary : Opcode::text, scratch_);
    return id;
}

void Engine::start_connect(Conn& c) {
    ++c.generation;
    c.started_ns = now_ns();
    c.stage = Stage::connecting;
    c.next_id = 1;
    c.pending = 0;
    c.hello_step = 0;
    c.resumed = false;
    c.assembling = false;
    c.in.clear();
    c.out.clear();
    c.message.clear();
    ++in_flight_;

    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
        fail(c, errno_text("socket", errno));
        return;
    }
    const int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in source{};
    source.sin_family = AF_INET;
    const std::uint32_t last_octet = std::min<std::uint32_t>(
        options_.source_base + c.index / std::max<std::uint32_t>(options_.conns_per_source, 1),
        254);
    source.sin_addr.s_addr = htonl((127u << 24) | last_octet);
    if (::bind(c.fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) {
        fail(c, errno_text("bind", errno));
        return;
    }
    const bool other = options_.other_port != 0 && c.index >= options_.other_from;
    const std::string& host = other ? options_.other_host : options_.host;
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_port = htons(other ? options_.other_port : options_.port);
    if (::inet_pton(AF_INET, host.c_str(), &target.sin_addr) != 1) {
        fail(c, "bad host address: " + host);
        return;
    }
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0 &&
        errno != EINPROGRESS) {
        fail(c, errno_text("connect", errno));
        return;
    }
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT;
    event.data.u64 = key_of(c);
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.fd, &event);
    c.want_out = true;
}

void Engine::poll(int timeout_ms) {
    epoll_event events[max_events];
    int n = ::epoll_wait(epoll_fd_, events, max_events, timeout_ms);
    if (n < 0) n = 0;  // EINTR
    for (int i = 0; i < n; ++i) {
        const std::uint64_t key = events[i].data.u64;
        if (key == timer_key) {
            std::uint64_t expirations = 0;
            (void)::read(timer_fd_, &expirations, sizeof expirations);
            ticked_ = true;
            continue;
        }
        Conn& c = conns_[static_cast<std::uint32_t>(key)];
        if (c.fd < 0 || c.generation != static_cast<std::uint32_t>(key >> 32)) continue;
        const std::uint32_t flags = events[i].events;
        if (c.stage == Stage::connecting) {
            if ((flags & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0) on_writable(c);
            continue;
        }
        if ((flags & EPOLLOUT) != 0) on_writable(c);
        if (c.fd >= 0 && (flags & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) != 0) {
            on_readable(c);
        }
    }
    while (!pending_open_.empty() && in_flight_ < options_.connect_concurrency) {
        const std::uint32_t index = pending_open_.front();
        pending_open_.pop_front();
        if (conns_[index].fd < 0) start_connect(conns_[index]);
    }
    flush();
}

void Engine::flush() {
    // Swapped out first: a write that fails calls the handler, which may queue more.
    flushing_.swap(dirty_);
    for (const std::uint32_t index : flushing_) {
        Conn& c = conns_[index];
        c.dirty = false;
        if (c.fd >= 0 && c.stage != Stage::connecting) write_out(c);
    }
    flushing_.clear();
}

void Engine::set_tick(std::int64_t interval_ns) {
    itimerspec spec{};
    spec.it_interval.tv_sec = interval_ns / ns_per_s;
    spec.it_interval.tv_nsec = interval_ns % ns_per_s;
    spec.it_value = spec.it_interval;
    ::timerfd_settime(timer_fd_, 0, &spec, nullptr);
    ticked_ = false;
}

bool Engine::take_tick() {
    const bool ticked = ticked_;
    ticked_ = false;
    return ticked;
}

void Engine::on_writable(Conn& c) {
    if (c.stage == Stage::connecting) {
        int error = 0;
        socklen_t length = sizeof error;
        ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0) {
            fail(c, errno_text("connect", error));
            return;
        }
        c.stage = Stage::upgrading;
        c.out.append(request_);
    }
    write_out(c);
}

void Engine::write_out(Conn& c) {
    while (!c.out.empty()) {
        const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            if (static_cast<std::size_t>(n) == c.out.size()) {
                c.out.clear();
            } else {
                c.out.erase(0, static_cast<std::size_t>(n));
            }
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        fail(c, errno_text("write", errno));
        return;
    }
    set_want_out(c, !c.out.empty());
}

void Engine::set_want_out(Conn& c, bool want) {
    if (c.want_out == want) return;
    c.want_out = want;
    epoll_event event{};
    event.events = EPOLLIN | (want ? EPOLLOUT : 0u);
    event.data.u64 = key_of(c);
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &event);
}

void Engine::on_readable(Conn& c) {
    const ssize_t n = ::recv(c.fd, read_buffer_.data(), read_buffer_.size(), 0);
    if (n == 0) {
        fail(c, "closed by the server without a close frame");
        return;
    }
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            fail(c, errno_text("read", errno));
        }
        return;
    }
    last_frame_ns_ = now_ns();
    const std::string_view data(read_buffer_.data(), static_cast<std::size_t>(n));
    if (c.in.empty()) {
        const std::size_t used = consume(c, data);
        if (c.fd >= 0 && used < data.size()) c.in.assign(data.substr(used));
    } else {
        c.in.append(data);
        const std::size_t used = consume(c, c.in);
        if (c.fd >= 0) c.in.erase(0, used);
    }
}

std::size_t Engine::consume(Conn& c, std::string_view data) {
    std::size_t pos = 0;
    if (c.stage == Stage::upgrading) {
        std::string why;
        switch (parse_upgrade_response(data, pos, why)) {
            case UpgradeStatus::need_more:
                if (data.size() > max_response_head) fail(c, "upgrade response head too long");
                return 0;
            case UpgradeStatus::refused:
                fail(c, "upgrade refused: " + why);
                return data.size();
            case UpgradeStatus::switched:
                c.stage = Stage::hello;
                switch (protocol_.hello()) {
                    case Protocol::Hello::none:
                        after_hello(c);
                        break;
                    case Protocol::Hello::muster_connect: {
                        SubscribeSpec specs[max_subscriptions];
                        std::size_t count = 0;
                        bool any_since = false;
                        for (std::uint8_t i = 0; i < c.subscription_count; ++i) {
                            any_since = any_since || c.subs[i].has_since;
                        }
                        c.resumed = any_since && protocol_.resume_in_connect();
                        if (c.resumed) {
                            for (std::uint8_t i = 0; i < c.subscription_count; ++i) {
                                const Subscription& s = c.subs[i];
                                specs[count++] = SubscribeSpec{
                                    handler_.group_name(s.group),
                                    s.has_since ? std::optional(s.since) : std::nullopt};
                            }
                        }
                        protocol_.connect(scratch_, c.next_id++, handler_.token(c),
                                          std::span(specs, count));
                        send(c, protocol_.binary() ? Opcode::binary : Opcode::text, scratch_);
                        c.pending = 1;
                        break;
                    }
                    case Protocol::Hello::engine_io:
                        c.hello_step = 0;  // the server speaks first (open packet)
                        break;
                }
                break;
        }
    }
    while (c.fd >= 0 && pos < data.size()) {
        ServerFrame frame;
        std::size_t used = 0;
        const FrameStatus status = parse_server_frame(data.substr(pos), frame, used);
        if (status == FrameStatus::need_more) break;
        if (status == FrameStatus::error) {
            fail(c, "malformed frame from the server");
            return data.size();
        }
        pos += used;
        ++frames_;
        switch (frame.opcode) {
            case Opcode::text:
            case Opcode::binary:
                if (frame.fin) {
                    on_message(c, frame.payload);
                } else {
                    c.message.assign(frame.payload);
                    c.assembling = true;
                }
                break;
            case Opcode::continuation:
                if (!c.assembling) {
                    fail(c, "continuation frame without a first fragment");
                    return data.size();
                }
                c.message.append(frame.payload);
                if (frame.fin) {
                    c.assembling = false;
                    on_message(c, c.message);
                }
                break;
            case Opcode::ping:
                send(c, Opcode::pong, frame.payload);
                break;
            case Opcode::pong:
                break;
            case Opcode::close:
                fail(c, "closed by the server: code " + std::to_string(close_code(frame.payload)));
                return data.size();
        }
    }
    return pos;
}

void Engine::on_message(Conn& c, std::string_view payload) {
    const Incoming in = protocol_.decode(payload);
    switch (in.kind) {
        case Incoming::Kind::event: {
            if (in.seq == 0) {
                ++transient_;
                // As it crossed the wire: the server's frame header (unmasked) and the payload.
                const std::size_t n = payload.size();
                handler_.on_transient(c, in, n + (n < 126 ? 2 : n < 65536 ? 4 : 10));
                return;
            }
            const std::int64_t group = handler_.group_index(in.group);
            Subscription* s =
                group < 0 ? nullptr : c.find_subscription(static_cast<std::uint32_t>(group));
            if (s == nullptr) {
                errors_.add("event for a group not subscribed");
                return;
            }
            bool fresh = true;
            // Before the reply that sets the baseline: `since` is the baseline when given (a
            // replay that starts late is a gap); a live subscription starts where it starts.
            if (s->next == 0) {
                s->next = s->known ? s->baseline + 1 : s->has_since ? s->since + 1 : in.seq;
            }
            if (in.seq == s->next) {
                ++s->next;
                ++s->received;
            } else if (in.seq > s->next) {
                s->gaps += in.seq - s->next;
                s->next = in.seq + 1;
                ++s->received;
            } else {
                ++s->duplicates;
                fresh = false;
            }
            handler_.on_event(c, *s, in, fresh);
            return;
        }
        case Incoming::Kind::ping:
            protocol_.pong(scratch_);
            send(c, Opcode::text, scratch_);
            return;
        case Incoming::Kind::open:
            if (c.stage == Stage::hello && c.hello_step == 0) {
                c.hello_step = 1;
                protocol_.namespace_connect(scratch_);
                send(c, Opcode::text, scratch_);
            }
            return;
        case Incoming::Kind::connected:
            if (c.stage == Stage::hello) after_hello(c);
            return;
        case Incoming::Kind::reply:
        case Incoming::Kind::error:
            break;
        case Incoming::Kind::ignore:
            return;
        case Incoming::Kind::bad:
            errors_.add("undecodable message from the server");
            return;
    }

    const bool is_error = in.kind == Incoming::Kind::error;
    if (c.stage == Stage::hello) {
        if (is_error) {
            fail(c, "connect refused: " + std::string(in.error));
        } else if (in.nested_errors != 0) {
            fail(c, "resume refused for " + std::to_string(in.nested_errors) + " group(s)");
        } else if (c.resumed) {
            for (std::uint8_t i = 0; i < c.subscription_count; ++i) {
                Subscription& s = c.subs[i];
                s.known = true;
                s.baseline = s.has_since ? s.since : 0;
                if (s.next == 0 && s.has_since) s.next = s.baseline + 1;
            }
            become_ready(c);
        } else {
            after_hello(c);
        }
    } else if (c.stage == Stage::subscribing) {
        const std::uint32_t k = in.id - c.first_subscribe_id;
        if (is_error) {
            fail(c, "subscribe refused: " + std::string(in.error));
            return;
        }
        if (k < c.subscription_count) {
            Subscription& s = c.subs[k];
            s.known = true;
            s.baseline = s.has_since ? s.since : in.latest_seq;
            if (s.next == 0) s.next = s.baseline + 1;
        }
        if (--c.pending == 0) become_ready(c);
    } else if (c.stage == Stage::ready) {
        handler_.on_reply(c, in);
    }
}

void Engine::after_hello(Conn& c) {
    if (c.subscription_count == 0) {
        become_ready(c);
        return;
    }
    c.stage = Stage::subscribing;
    c.first_subscribe_id = c.next_id;
    c.pending = c.subscription_count;
    for (std::uint8_t i = 0; i < c.subscription_count; ++i) {
        const Subscription& s = c.subs[i];
        const SubscribeSpec spec{handler_.group_name(s.group),
                                 s.has_since ? std::optional(s.since) : std::nullopt};
        protocol_.subscribe(scratch_, c.next_id++, spec);
        send(c, protocol_.binary() ? Opcode::binary : Opcode::text, scratch_);
    }
}

void Engine::become_ready(Conn& c) {
    c.stage = Stage::ready;
    --in_flight_;
    ++ready_;
    c.ready_ns = now_ns();
    connect_latency_.record(c.ready_ns - c.started_ns);
    handler_.on_ready(c);
}

void Engine::send(Conn& c, Opcode opcode, std::string_view payload) {
    append_client_frame(c.out, opcode, payload, next_mask());
    if (!c.dirty) {
        c.dirty = true;
        dirty_.push_back(c.index);
    }
}

void Engine::fail(Conn& c, std::string_view reason) {
    errors_.add(reason);
    if (is_opening(c.stage)) {
        --in_flight_;
        ++failed_;
    } else if (c.stage == Stage::ready) {
        --ready_;
    }
    release(c);
    handler_.on_lost(c);
}

void Engine::release(Conn& c) {
    if (c.fd >= 0) ::close(c.fd);  // also leaves the epoll set
    c.fd = -1;
    c.stage = Stage::idle;
    c.want_out = false;
    c.out.clear();
}

// xorshift32: masking keys need not be secret here (RFC 6455 §10.3 guards proxies against
// a browser's attacker; there is none on loopback), only present.
std::uint32_t Engine::next_mask() {
    mask_state_ ^= mask_state_ << 13;
    mask_state_ ^= mask_state_ >> 17;
    mask_state_ ^= mask_state_ << 5;
    return mask_state_;
}

}  // namespace muster::loadgen
