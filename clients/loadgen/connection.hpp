#pragma once
// One client connection as the engine drives it: its socket, where it is in the opening
// sequence, its subscriptions with their seq tracking, and its byte buffers. Buffers keep their
// capacity between messages, so a connection in steady state allocates nothing.

#include <array>
#include <cstdint>
#include <string>

namespace muster::loadgen {

// A load-generator connection subscribes to at most this many groups (the idle scenario's 3).
inline constexpr std::size_t max_subscriptions = 3;

// The seqs one connection received in one group: in order, with gaps, or repeated.
struct Subscription {
    std::uint32_t group = 0;  // index into the scenario's group names
    bool has_since = false;   // subscribe (or resume) with `since`
    bool known = false;       // the baseline is set (the subscribe reply came)
    std::uint64_t since = 0;
    std::uint64_t baseline = 0;    // events above it are expected: latest seq, or `since`
    std::uint64_t next = 0;        // the next seq expected
    std::uint64_t received = 0;    // events counted once, in order or after a gap
    std::uint64_t gaps = 0;        // seqs skipped (missing unless they come later: never)
    std::uint64_t duplicates = 0;  // seqs at or below one already seen

    // The last seq seen in order (the baseline before any).
    [[nodiscard]] std::uint64_t last() const { return next == 0 ? baseline : next - 1; }
    // Seqs up to `latest` not received: skipped ones and the tail not yet arrived.
    [[nodiscard]] std::uint64_t missing(std::uint64_t latest) const {
        return gaps + (latest > last() ? latest - last() : 0);
    }
};

enum class Stage : std::uint8_t {
    idle,         // no socket
    connecting,   // TCP connect in progress
    upgrading,    // upgrade request sent, waiting for 101
    hello,        // connect / Engine.IO open / Socket.IO namespace in progress
    subscribing,  // subscribe replies awaited
    ready,        // subscribed: events flow, publishes may be sent
};

struct Conn {
    int fd = -1;
    std::uint32_t index = 0;
    std::uint32_t generation = 0;  // tells a stale epoll event from the current socket's
    Stage stage = Stage::idle;
    bool dirty = false;       // in the engine's flush list
    bool want_out = false;    // EPOLLOUT armed
    bool resumed = false;     // the subscriptions went in connect.resume (Muster)
    bool assembling = false;  // `message` holds the first fragments of a message
    std::uint8_t subscription_count = 0;
    std::uint8_t pending = 0;     // replies awaited before `ready`
    std::uint8_t hello_step = 0;  // Engine.IO: 0 = waiting open, 1 = waiting namespace
    std::uint32_t next_id = 1;
    std::uint32_t first_subscribe_id = 0;
    std::int64_t started_ns = 0;  // when the TCP connect began
    std::int64_t ready_ns = 0;
    std::array<Subscription, max_subscriptions> subs{};
    std::string out;      // bytes queued, not yet written
    std::string in;       // an incomplete frame (or response head) carried to the next read
    std::string message;  // a fragmented message being put together (servers here never do)

    Subscription* find_subscription(std::uint32_t group) {
        for (std::uint8_t i = 0; i < subscription_count; ++i) {
            if (subs[i].group == group) return &subs[i];
        }
        return nullptr;
    }
    void add_subscription(std::uint32_t group) {
        subs[subscription_count] = Subscription{};
        subs[subscription_count].group = group;
        ++subscription_count;
    }
};

}  // namespace muster::loadgen
