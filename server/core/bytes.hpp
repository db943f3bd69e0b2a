#pragma once
// Immutable bytes shared between threads and receivers without copying: an event is encoded
// once and the same SharedBytes is queued to every session that receives it.

#include <memory>
#include <string>

namespace muster {

using SharedBytes = std::shared_ptr<const std::string>;

inline SharedBytes make_shared_bytes(std::string bytes) {
    return std::make_shared<const std::string>(std::move(bytes));
}

}  // namespace muster
