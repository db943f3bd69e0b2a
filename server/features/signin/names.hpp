#pragma once
// Names typed by people at sign-in: the display name others see (李明) and the name of the
// device. What is refused, with a message in Chinese and English (a volunteer reads it):
// invalid UTF-8, control characters (C0, DEL, C1), invisible formatting that could disguise a
// name (zero-width characters, bidirectional overrides, BOM), a name that is empty once
// trimmed, and one longer than the limit (counted in characters, not bytes: 李明 is 2).

#include <string>
#include <string_view>

#include "core/status.hpp"

namespace muster::features::signin {

// The name, trimmed of surrounding spaces (ASCII and U+3000). INVALID_ARGUMENT with a clear
// message; `required` false accepts an empty name.
Result<std::string> check_name(std::string_view what_zh, std::string_view what_en,
                               std::string_view name, unsigned max_chars, bool required);

}  // namespace muster::features::signin
