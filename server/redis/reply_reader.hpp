#pragma once
// Bytes in, replies out: hiredis' RESP parser (its public redisReader) without a connection,
// for a client that owns its socket (bus/redis/shard_subscriber.hpp). Frames may arrive split
// anywhere; each complete one comes out once, in order.
//
// Errors: a byte stream that is not RESP makes next() return an error once and every call
// after that too (the connection must be closed). Not thread-safe; one per connection.

#include <cstddef>
#include <string>
#include <variant>

#include "redis/reply.hpp"

struct redisReader;

namespace muster::redis {

class ReplyReader {
  public:
    ReplyReader();
    ~ReplyReader();
    ReplyReader(const ReplyReader&) = delete;
    ReplyReader& operator=(const ReplyReader&) = delete;

    // Appends bytes read from the socket. False when out of memory (or broken already).
    bool feed(const char* data, std::size_t size);

    struct NeedMore {};
    struct Broken {
        std::string why;
    };
    // The next complete reply, NeedMore until more bytes are fed, or Broken for good.
    std::variant<Reply, NeedMore, Broken> next();

  private:
    redisReader* reader_;
    std::string broken_;
};

}  // namespace muster::redis
