#include "redis/reply.hpp"

#include <array>
#include <charconv>

#include <hiredis/hiredis.h>

namespace muster::redis {

Reply Reply::from_integer(std::int64_t value) {
    Reply reply;
    reply.type = Type::integer;
    reply.integer = value;
    return reply;
}

Reply Reply::from_string(std::string value) {
    Reply reply;
    reply.type = Type::string;
    reply.str = std::move(value);
    return reply;
}

Reply Reply::from_array(std::vector<Reply> elements) {
    Reply reply;
    reply.type = Type::array;
    reply.elements = std::move(elements);
    return reply;
}

Reply copy_reply(const redisReply& reply) {
    Reply out;
    switch (reply.type) {
        case REDIS_REPLY_INTEGER:
            out.type = Reply::Type::integer;
            out.integer = reply.integer;
            break;
        case REDIS_REPLY_STRING:
            out.type = Reply::Type::string;
            out.str.assign(reply.str, reply.len);
            break;
        case REDIS_REPLY_STATUS:
            out.type = Reply::Type::status;
            out.str.assign(reply.str, reply.len);
            break;
        case REDIS_REPLY_ERROR:
            out.type = Reply::Type::error;
            out.str.assign(reply.str, reply.len);
            break;
        case REDIS_REPLY_ARRAY:
            out.type = Reply::Type::array;
            out.elements.reserve(reply.elements);
            for (std::size_t i = 0; i < reply.elements; ++i) {
                out.elements.push_back(copy_reply(*reply.element[i]));
            }
            break;
        default:  // REDIS_REPLY_NIL
            out.type = Reply::Type::nil;
            break;
    }
    return out;
}

Status error_status(std::string_view error) {
    static constexpr std::array transient = {"LOADING",    "OOM",      "BUSY",        "READONLY",
                                             "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS"};
    const std::string_view code = error.substr(0, error.find(' '));
    for (const std::string_view t : transient) {
        if (code == t) return {errc::unavailable, "redis: " + std::string(error)};
    }
    return {errc::internal, "redis: " + std::string(error)};
}

bool as_integer(const Reply& reply, std::int64_t& out) {
    if (reply.type == Reply::Type::integer) {
        out = reply.integer;
        return true;
    }
    if (reply.type != Reply::Type::string) return false;
    const auto* end = reply.str.data() + reply.str.size();
    auto [ptr, ec] = std::from_chars(reply.str.data(), end, out);
    return ec == std::errc{} && ptr == end;
}

}  // namespace muster::redis
