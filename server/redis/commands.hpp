#pragma once
// What a store needs to send commands: one connection (Connection) or a Redis Cluster behind
// one face (Router). Loop thread only, like both implementations; the guarantees of
// connection.hpp hold for both (every callback exactly once, never inline, UNAVAILABLE when
// Redis cannot be reached).

#include <functional>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "redis/reply.hpp"

namespace muster::redis {

using ReplyCallback = std::function<void(Result<Reply>)>;

class Commands {
  public:
    virtual ~Commands() = default;

    // `wait_for_connection`: see Connection::command().
    virtual void command(std::vector<std::string> args, ReplyCallback done,
                         bool wait_for_connection = false) = 0;
    // Commands can be sent now (a ready connection; on a cluster, a known slot map too).
    [[nodiscard]] virtual bool ready() const = 0;
    // Publications go with SPUBLISH, not PUBLISH: a Redis Cluster (sharded pub/sub, so that a
    // message goes to the shard that owns its channel only). Scripts pick their variant by it.
    [[nodiscard]] virtual bool sharded_pubsub() const { return false; }
};

}  // namespace muster::redis
