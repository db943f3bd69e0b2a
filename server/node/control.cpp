#include "node/control.hpp"

#include <boost/json.hpp>

#include "core/jwt.hpp"

namespace muster::node {

namespace json = boost::json;

std::string encode_control(const ControlMessage& message) {
    json::object object;
    switch (message.kind) {
        case ControlMessage::Kind::groups_changed:
            object["kind"] = "groups";
            break;
        case ControlMessage::Kind::memberships_changed:
            object["kind"] = "memberships";
            break;
        case ControlMessage::Kind::session_revoked:
            object["kind"] = "session_revoked";
            break;
        case ControlMessage::Kind::feature:
            object["kind"] = "feature";
            object["topic"] = message.topic;
            object["data"] = base64url_encode(message.data);
            break;
    }
    if (!message.user.empty()) object["user"] = message.user;
    if (!message.session.empty()) object["session"] = message.session;
    return json::serialize(object);
}

std::optional<ControlMessage> decode_control(const std::string& text) {
    boost::system::error_code ec;
    const json::value value = json::parse(text, ec);
    if (ec || !value.is_object()) return std::nullopt;
    const auto& object = value.as_object();
    const auto* kind = object.if_contains("kind");
    if (kind == nullptr || !kind->is_string()) return std::nullopt;
    ControlMessage message;
    if (kind->as_string() == "groups") {
        message.kind = ControlMessage::Kind::groups_changed;
    } else if (kind->as_string() == "memberships") {
        message.kind = ControlMessage::Kind::memberships_changed;
        const auto* user = object.if_contains("user");
        if (user == nullptr || !user->is_string()) return std::nullopt;
        message.user = std::string(user->as_string());
    } else if (kind->as_string() == "session_revoked") {
        message.kind = ControlMessage::Kind::session_revoked;
        const auto* user = object.if_contains("user");
        const auto* session = object.if_contains("session");
        if (user == nullptr || !user->is_string() || session == nullptr || !session->is_string())
            return std::nullopt;
        message.user = std::string(user->as_string());
        message.session = std::string(session->as_string());
    } else if (kind->as_string() == "feature") {
        message.kind = ControlMessage::Kind::feature;
        const auto* topic = object.if_contains("topic");
        const auto* data = object.if_contains("data");
        if (topic == nullptr || !topic->is_string() || data == nullptr || !data->is_string() ||
            !base64url_decode(data->as_string(), message.data))
            return std::nullopt;
        message.topic = std::string(topic->as_string());
    } else {
        return std::nullopt;
    }
    return message;
}

}  // namespace muster::node
