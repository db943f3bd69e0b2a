#pragma once
// One group a client receives, and where its stream of that group stands.
//
// Resume without a race (docs/ARCHITECTURE.md): the subscription joins the hub first, then
// reads the log; while it reads, live events are not sent but their highest seq is noted
// (live_seen). Reading continues until it has sent everything up to live_seen, and only then
// does the subscription go live. Every event reaches the client once, in order, whatever the
// interleaving, and nothing is buffered beyond one page of the log.

#include <cstdint>
#include <string>

namespace muster::node {

struct Subscription {
    enum class State : std::uint8_t {
        activating,  // waiting for the bus; live events only noted
        recovering,  // replaying from the log; live events only noted
        live,        // live events sent as they come
    };

    std::string group;
    std::uint64_t last_sent = 0;   // highest seq sent to the client
    std::uint64_t live_seen = 0;   // highest seq seen live while not live
    std::uint32_t generation = 0;  // tells a re-subscription from the one a coroutine started with
    State state = State::activating;
    bool presence_joined = false;
};

}  // namespace muster::node
