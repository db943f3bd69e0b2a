#pragma once
// What a reply on a sharded pub/sub connection (RESP2, shard_subscriber.hpp) means: the pure
// part, testable without a socket (tests/unit/bus/shard_frames_test.cpp).
//
// A subscribed RESP2 connection receives, in one stream:
//   ["smessage", channel, payload]       a publication (SPUBLISH) on a subscribed channel
//   ["ssubscribe", channel, count]       the answer to SSUBSCRIBE channel (one per channel)
//   ["sunsubscribe", channel, count]     the answer to SUNSUBSCRIBE channel, or, unasked, the
//                                        server dropping the subscription (its slot left)
//   ["pong", ""] or +PONG                the answer to PING (subscribed or not)
//   +OK                                  the answer to a setup command (AUTH, CLIENT SETNAME)
//   -ERR ... / -MOVED slot host:port     a command refused (SSUBSCRIBE of a slot elsewhere)
// Anything else (a plain "message", a malformed array) is `other`: ignored by the caller.

#include <cstdint>
#include <string>

#include "redis/reply.hpp"

namespace muster::bus {

struct ShardFrame {
    enum class Kind : std::uint8_t {
        message,       // channel, payload
        subscribed,    // channel
        unsubscribed,  // channel
        pong,
        status,  // a simple-string answer other than PONG (payload: its text)
        error,   // payload: the message
        other,
    };
    Kind kind = Kind::other;
    std::string channel;
    std::string payload;
};

// Moves the strings out of `reply` (the payload is not copied).
ShardFrame classify_shard_frame(redis::Reply reply);

}  // namespace muster::bus
