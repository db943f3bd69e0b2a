#pragma once
// The chat feature's extension point: the tags a chat message may carry, and the validator
// another feature registers for a kind of tag (meetings: a message said in a meeting names a
// meeting of its group). The chat feature knows no meetings; the node knows neither.
//
// Threads: validators are registered while features are installed, before the node starts
// (one thread); afterwards the table is only read, from every loop, without a lock.
// A tag kind without a validator is taken as it is (its id syntax is still checked by chat).

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "core/status.hpp"

namespace muster::features::chat {

// What a tag names. One today (PublishCommand.meeting_id); a new kind is a new enumerator and
// a new field on the wire.
enum class TagKind : std::uint8_t { meeting };
inline constexpr std::size_t tag_kinds = 1;

// Ok, or the error the publish is answered with (NOT_FOUND, INVALID_ARGUMENT...). Arguments by
// value: a validator is a coroutine, and its frame must own them.
using TagValidator =
    std::function<boost::asio::awaitable<Status>(std::string group, std::string value)>;

class ChatTags {
  public:
    // At install only. One validator per kind: a second is a wiring mistake (std::logic_error).
    void add_validator(TagKind kind, TagValidator validator);
    // The kind's validator, or null when nobody registered one. A lookup in a fixed table: the
    // publish path pays it only for a tagged message.
    [[nodiscard]] const TagValidator* validator(TagKind kind) const;

  private:
    std::array<TagValidator, tag_kinds> validators_;
};

}  // namespace muster::features::chat
