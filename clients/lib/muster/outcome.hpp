#pragma once
// What every muster_client call returns: a value, or a Failure that says what went wrong and
// whether the connection is still usable (a timeout is; a close is not).
//
// Not muster::Result: that carries only a wire Error.Code, and a client also needs to tell a
// timeout from a close (with its close code) from a refused handshake.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "muster/v1/error.pb.h"

namespace muster::client {

struct Failure {
    enum class Kind : std::uint8_t {
        timeout,           // nothing arrived before the deadline; the connection is still usable
        closed,            // the connection is gone: close_code / close_reason say why
        io,                // a socket error: refused, reset, write failed
        handshake,         // the WebSocket upgrade was refused: http_status, message = body
        decode,            // a frame that is neither a ServerFrame nor its canonical JSON
        server,            // the server answered the command with Error: see `error`
        protocol,          // the server answered with another body than the command's reply
        invalid_argument,  // a local mistake: bad address, no token, bad option
    };

    Kind kind = Kind::io;
    std::string message;
    std::uint16_t close_code = 0;  // closed: the code the server sent; 1006 when it sent none
    std::string close_reason;      // closed: the reason the server sent
    int http_status = 0;           // handshake: the HTTP status of the refusal
    v1::Error error;               // server: the Error frame as received

    [[nodiscard]] bool is(Kind k) const { return kind == k; }
    // One line for logs and stderr: "server error FORBIDDEN: not a member of g1".
    [[nodiscard]] std::string describe() const;

    static Failure make(Kind kind, std::string message);
    static Failure from_error(const v1::Error& error);
};

// "timeout", "closed", ... (for messages).
std::string_view kind_name(Failure::Kind kind);

template <class T>
class [[nodiscard]] Outcome {
  public:
    Outcome(T value) : state_(std::in_place_index<0>, std::move(value)) {}            // NOLINT
    Outcome(Failure failure) : state_(std::in_place_index<1>, std::move(failure)) {}  // NOLINT

    [[nodiscard]] bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    [[nodiscard]] const Failure& failure() const& { return std::get<1>(state_); }
    Failure&& failure() && { return std::get<1>(std::move(state_)); }

  private:
    std::variant<T, Failure> state_;
};

template <>
class [[nodiscard]] Outcome<void> {
  public:
    Outcome() = default;
    Outcome(Failure failure) : failure_(std::move(failure)) {}  // NOLINT

    [[nodiscard]] bool ok() const { return !failure_.has_value(); }
    explicit operator bool() const { return ok(); }
    [[nodiscard]] const Failure& failure() const& { return *failure_; }
    Failure&& failure() && { return std::move(*failure_); }

  private:
    std::optional<Failure> failure_;
};

}  // namespace muster::client
