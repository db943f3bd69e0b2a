#pragma once
// One KEYS or ARGV entry of a call of the store's Lua scripts (the members of the generated
// lua::<Script>::Keys and Args, store/redis/lua_call.hpp): text, or an integer written in
// decimal as Redis reads numbers. It has no default constructor, so that a designated
// initializer that leaves a named position out does not compile.

#include <concepts>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace muster::store::lua {

class Value {
  public:
    Value(std::string text) : text_(std::move(text)) {}  // NOLINT(google-explicit-constructor)
    Value(std::string_view text) : text_(text) {}        // NOLINT(google-explicit-constructor)
    Value(const char* text) : text_(text) {}             // NOLINT(google-explicit-constructor)
    // Not bool or char: a flag or an op code is text ('add', "h"), never 0/1 by accident.
    template <std::integral Number>
    requires(!std::same_as<Number, bool> && !std::same_as<Number, char>) Value(Number number)
        : text_(std::to_string(number)) {}  // NOLINT(google-explicit-constructor)

    [[nodiscard]] std::string take() && { return std::move(text_); }

  private:
    std::string text_;
};

}  // namespace muster::store::lua
