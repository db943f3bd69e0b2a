#include "loadgen/json_scan.hpp"

#include <cstring>

namespace muster::loadgen::json {
namespace {

// The position just after `"key":` (spaces after the colon skipped), or npos.
std::size_t value_start(std::string_view json, std::string_view key, std::size_t from) {
    std::size_t pos = from;
    while (true) {
        pos = json.find(key, pos);
        if (pos == std::string_view::npos) return pos;
        const std::size_t after = pos + key.size();
        if (pos > 0 && json[pos - 1] == '"' && after + 1 < json.size() && json[after] == '"') {
            std::size_t v = after + 1;
            while (v < json.size() && json[v] == ' ') ++v;
            if (v < json.size() && json[v] == ':') {
                ++v;
                while (v < json.size() && json[v] == ' ') ++v;
                return v;
            }
        }
        pos = after;
    }
}

}  // namespace

std::optional<std::string_view> find(std::string_view json, std::string_view key,
                                     std::size_t from) {
    const std::size_t v = value_start(json, key, from);
    if (v == std::string_view::npos || v >= json.size()) return std::nullopt;
    if (json[v] == '"') {
        std::size_t end = v + 1;
        while (end < json.size() && json[end] != '"') end += json[end] == '\\' ? 2 : 1;
        if (end >= json.size()) return std::nullopt;
        return json.substr(v + 1, end - v - 1);
    }
    std::size_t end = v;
    while (end < json.size() && std::strchr(",}] \r\n", json[end]) == nullptr) ++end;
    return json.substr(v, end - v);
}

std::optional<std::uint64_t> parse_uint(std::string_view digits) {
    if (digits.empty() || digits.size() > 20) return std::nullopt;
    std::uint64_t value = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return value;
}

std::optional<std::uint64_t> find_uint(std::string_view json, std::string_view key,
                                       std::size_t from) {
    const auto raw = find(json, key, from);
    if (!raw) return std::nullopt;
    return parse_uint(*raw);
}

}  // namespace muster::loadgen::json
