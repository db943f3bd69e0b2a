#include "muster/outcome.hpp"

namespace muster::client {

std::string_view kind_name(Failure::Kind kind) {
    switch (kind) {
        case Failure::Kind::timeout:
            return "timeout";
        case Failure::Kind::closed:
            return "closed";
        case Failure::Kind::io:
            return "io";
        case Failure::Kind::handshake:
            return "handshake";
        case Failure::Kind::decode:
            return "decode";
        case Failure::Kind::server:
            return "server";
        case Failure::Kind::protocol:
            return "protocol";
        case Failure::Kind::invalid_argument:
            return "invalid_argument";
    }
    return "unknown";
}

Failure Failure::make(Kind kind, std::string message) {
    Failure failure;
    failure.kind = kind;
    failure.message = std::move(message);
    return failure;
}

Failure Failure::from_error(const v1::Error& error) {
    Failure failure;
    failure.kind = Kind::server;
    failure.message = error.message();
    failure.error = error;
    return failure;
}

std::string Failure::describe() const {
    switch (kind) {
        case Kind::server:
            return v1::Error::Code_Name(error.code()) +
                   (error.message().empty() ? std::string{} : ": " + error.message());
        case Kind::closed: {
            std::string text = "connection closed (" + std::to_string(close_code);
            if (!close_reason.empty()) text += " " + close_reason;
            text += ")";
            if (!message.empty()) text += ": " + message;
            return text;
        }
        case Kind::handshake:
            return "WebSocket handshake refused (HTTP " + std::to_string(http_status) + ")" +
                   (message.empty() ? std::string{} : ": " + message);
        default:
            return std::string(kind_name(kind)) + ": " + message;
    }
}

}  // namespace muster::client
