#include "bus/redis/shard_frames.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace muster::bus {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

}  // namespace

ShardFrame classify_shard_frame(redis::Reply reply) {
    using Kind = ShardFrame::Kind;
    ShardFrame frame;
    switch (reply.type) {
        case redis::Reply::Type::error:
            frame.kind = Kind::error;
            frame.payload = std::move(reply.str);
            return frame;
        case redis::Reply::Type::status:
            frame.kind = iequals(reply.str, "PONG") ? Kind::pong : Kind::status;
            frame.payload = std::move(reply.str);
            return frame;
        case redis::Reply::Type::array:
            break;
        default:
            return frame;
    }
    auto& e = reply.elements;
    if (e.empty() || !e[0].is_string()) return frame;
    const std::string_view kind = e[0].str;
    if (iequals(kind, "pong")) {
        frame.kind = Kind::pong;
        return frame;
    }
    if (e.size() != 3 || !e[1].is_string()) return frame;
    if (iequals(kind, "smessage") && e[2].is_string()) {
        frame.kind = Kind::message;
        frame.payload = std::move(e[2].str);
    } else if (iequals(kind, "ssubscribe") && e[2].is_integer()) {
        frame.kind = Kind::subscribed;
    } else if (iequals(kind, "sunsubscribe") && e[2].is_integer()) {
        frame.kind = Kind::unsubscribed;
    } else {
        return frame;
    }
    frame.channel = std::move(e[1].str);
    return frame;
}

}  // namespace muster::bus
