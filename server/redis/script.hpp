#pragma once
// A Lua script run with EVALSHA, falling back to EVAL when Redis does not know it (after a
// restart, a failover or SCRIPT FLUSH, the script cache is empty). The SHA1 is computed here,
// so the first call needs no SCRIPT LOAD round trip and a hit costs the digest only.

#include <string>
#include <vector>

#include "redis/commands.hpp"

namespace muster::redis {

// A script that publishes (`redis.call('PUBLISH', ...)`) has a sharded variant with SPUBLISH
// instead, run where Commands::sharded_pubsub() (a Redis Cluster): the channel is in the
// group's hash tag, so the script's SPUBLISH stays in its own slot as Redis requires.
class Script {
  public:
    explicit Script(std::string body);

    [[nodiscard]] const std::string& body() const { return body_; }
    [[nodiscard]] const std::string& sha1() const { return sha1_; }
    // Every body to SCRIPT LOAD on a new connection (the sharded variant too, if any).
    [[nodiscard]] std::vector<std::string> bodies() const;

    // Runs the script on `connection` (loop thread; a Connection or a cluster Router). Keys first:
    // every key the script touches must be among them (Redis Cluster routes by them).
    // `wait_for_connection`: see Connection::command().
    void run(Commands& connection, std::vector<std::string> keys, std::vector<std::string> args,
             ReplyCallback done, bool wait_for_connection = false) const;

  private:
    std::string body_;
    std::string sha1_;
    std::string sharded_body_;  // empty when the script does not publish
    std::string sharded_sha1_;
};

// Lower-case hex SHA1, as SCRIPT LOAD returns it.
std::string sha1_hex(const std::string& data);

}  // namespace muster::redis
