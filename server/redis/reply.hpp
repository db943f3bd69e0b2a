#pragma once
// A Redis reply copied out of hiredis, so that it can outlive the hiredis callback and be read
// without hiredis' types (only server/redis, bus/ and store/ include hiredis).
//
// Cost: one copy of every bulk string. A pub/sub payload is copied once, straight into the
// SharedBytes that the hub then shares with every receiver (take_string()).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

struct redisReply;

namespace muster::redis {

struct Reply {
    enum class Type : std::uint8_t { nil, integer, string, status, error, array };

    Type type = Type::nil;
    std::int64_t integer = 0;     // integer
    std::string str;              // string, status, error
    std::vector<Reply> elements;  // array

    [[nodiscard]] bool is_nil() const { return type == Type::nil; }
    [[nodiscard]] bool is_array() const { return type == Type::array; }
    [[nodiscard]] bool is_string() const { return type == Type::string; }
    [[nodiscard]] bool is_integer() const { return type == Type::integer; }
    [[nodiscard]] bool is_error() const { return type == Type::error; }

    static Reply from_integer(std::int64_t value);
    static Reply from_string(std::string value);
    static Reply from_array(std::vector<Reply> elements);
};

// The owned copy of a hiredis reply (recursive). Defined in reply.cpp, the only place that
// knows redisReply's layout.
Reply copy_reply(const redisReply& reply);

// The Status for an error reply. Errors that say "not now" (the server is loading its data,
// out of memory, busy with a script, a read-only replica, a cluster that is down) are
// UNAVAILABLE: the caller may retry later. Anything else is INTERNAL: a bug or a broken script.
Status error_status(std::string_view error);

// The integer of an integer reply, or of a string reply holding one (Lua turns numbers into
// integers, GET returns strings). False for anything else.
bool as_integer(const Reply& reply, std::int64_t& out);

}  // namespace muster::redis
