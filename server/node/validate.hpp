#pragma once
// Checks of identifiers and texts that arrive from clients, with errors that say what is wrong.

#include <cstdint>
#include <string_view>

#include "core/status.hpp"

namespace muster::node {

// Group ids, user ids in paths, client_msg_id, meeting and call ids: 1..max bytes of
// [A-Za-z0-9._:@-]. INVALID_ARGUMENT (empty, bad characters) or TOO_LARGE.
Status check_id(std::string_view what, std::string_view id, std::uint32_t max_bytes);
// The same, but empty is allowed.
Status check_optional_id(std::string_view what, std::string_view id, std::uint32_t max_bytes);
// Free text (UTF-8 is guaranteed by the transport): INVALID_ARGUMENT when empty and required,
// TOO_LARGE over max_bytes.
Status check_text(std::string_view what, std::string_view text, std::uint32_t max_bytes,
                  bool required);

}  // namespace muster::node
