#pragma once
// Reading the few values the load generator needs out of JSON frames without building a DOM:
// one DOM per delivery would be the allocation the hot path must not make. It is not a JSON
// parser: it finds `"key":` and reads the value after it, which is exact for the frames the
// servers send here (compact, keys in known order, texts the load generator wrote itself
// without quotes). Replies that need more (errors) are read the same way, approximately.

#include <cstdint>
#include <optional>
#include <string_view>

namespace muster::loadgen::json {

// The raw value after the first `"key":` at or after `from`: for a string its contents without
// quotes (escapes left as they are), for a number or literal the token. nullopt when absent.
std::optional<std::string_view> find(std::string_view json, std::string_view key,
                                     std::size_t from = 0);

// A number given as 123 or "123" (protobuf's JSON writes 64-bit integers as strings).
std::optional<std::uint64_t> find_uint(std::string_view json, std::string_view key,
                                       std::size_t from = 0);

std::optional<std::uint64_t> parse_uint(std::string_view digits);

}  // namespace muster::loadgen::json
