#pragma once
// Expected failures: a code from the wire contract's Error.Code and a message for the client.
//
// Commands, store calls and HTTP routes complete with a Status (or a Result<T>, below) rather
// than throwing: exceptions are for bugs and start-up only (the project's style guide).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace muster {

// Mirrors muster.v1.Error.Code (proto/muster/v1/error.proto); same numbers.
enum class errc : std::uint8_t {
    ok = 0,
    bad_frame = 1,
    unauthenticated = 2,
    forbidden = 3,
    not_found = 4,
    invalid_argument = 5,
    rate_limited = 6,
    too_large = 7,
    conflict = 8,
    unavailable = 9,
    internal = 10,
};

// The Error.Code name ("FORBIDDEN"), as clients see it in JSON.
std::string_view errc_name(errc code);

// The HTTP status that fits the code (400, 401, 403, 404, 409, 413, 429, 503, 500).
int http_status(errc code);

class [[nodiscard]] Status {
  public:
    Status() = default;
    Status(errc code, std::string message) : code_(code), message_(std::move(message)) {}

    [[nodiscard]] bool ok() const { return code_ == errc::ok; }
    explicit operator bool() const { return ok(); }
    [[nodiscard]] errc code() const { return code_; }
    [[nodiscard]] const std::string& message() const { return message_; }

  private:
    errc code_ = errc::ok;
    std::string message_;
};

inline Status ok_status() {
    return {};
}

// A value or the Status that explains why there is none.
template <class T>
class [[nodiscard]] Result {
  public:
    Result(T value) : value_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
    Result(Status status) : status_(std::move(status)) {}  // NOLINT(google-explicit-constructor)
    Result(errc code, std::string message) : status_(code, std::move(message)) {}

    [[nodiscard]] bool ok() const { return value_.has_value(); }
    explicit operator bool() const { return ok(); }
    [[nodiscard]] const Status& status() const { return status_; }

    T& value() & { return *value_; }
    const T& value() const& { return *value_; }
    T&& value() && { return std::move(*value_); }
    T& operator*() & { return *value_; }
    const T& operator*() const& { return *value_; }
    T* operator->() { return &*value_; }
    const T* operator->() const { return &*value_; }

  private:
    std::optional<T> value_;
    Status status_;
};

}  // namespace muster
