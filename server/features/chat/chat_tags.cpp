#include "features/chat/chat_tags.hpp"

#include <stdexcept>

namespace muster::features::chat {

void ChatTags::add_validator(TagKind kind, TagValidator validator) {
    auto& slot = validators_.at(static_cast<std::size_t>(kind));
    if (slot) throw std::logic_error("a chat tag kind has one validator");
    if (!validator) throw std::logic_error("an empty chat tag validator");
    slot = std::move(validator);
}

const TagValidator* ChatTags::validator(TagKind kind) const {
    const auto& slot = validators_.at(static_cast<std::size_t>(kind));
    return slot ? &slot : nullptr;
}

}  // namespace muster::features::chat
