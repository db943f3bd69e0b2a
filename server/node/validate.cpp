#include "node/validate.hpp"

#include <string>

#include "core/ids.hpp"

namespace muster::node {

Status check_id(std::string_view what, std::string_view id, std::uint32_t max_bytes) {
    if (id.empty()) return {errc::invalid_argument, std::string(what) + " is required"};
    return check_optional_id(what, id, max_bytes);
}

Status check_optional_id(std::string_view what, std::string_view id, std::uint32_t max_bytes) {
    if (id.empty()) return {};
    if (id.size() > max_bytes) {
        return {errc::too_large,
                std::string(what) + " is longer than " + std::to_string(max_bytes) + " bytes"};
    }
    if (std::string problem = id_problem(id, max_bytes); !problem.empty())
        return {errc::invalid_argument, std::string(what) + " " + problem};
    return {};
}

Status check_text(std::string_view what, std::string_view text, std::uint32_t max_bytes,
                  bool required) {
    if (required && text.empty())
        return {errc::invalid_argument, std::string(what) + " is required"};
    if (text.size() > max_bytes) {
        return {errc::too_large,
                std::string(what) + " is longer than " + std::to_string(max_bytes) + " bytes"};
    }
    return {};
}

}  // namespace muster::node
