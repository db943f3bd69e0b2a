#include "muster/codec.hpp"

#include <google/protobuf/util/json_util.h>

namespace muster::client {

std::string_view subprotocol(Encoding encoding) {
    switch (encoding) {
        case Encoding::proto:
            return "muster.v1.proto";
        case Encoding::json:
            return "muster.v1.json";
        case Encoding::json_no_subprotocol:
            return "";
    }
    return "";
}

std::optional<Encoding> parse_encoding(std::string_view name) {
    if (name == "proto") return Encoding::proto;
    if (name == "json") return Encoding::json;
    if (name == "none") return Encoding::json_no_subprotocol;
    return std::nullopt;
}

Message encode(const v1::ClientFrame& frame, Encoding encoding) {
    if (encoding == Encoding::proto) return {frame.SerializeAsString(), FrameType::binary};
    return {to_json(frame), FrameType::text};
}

Outcome<v1::ServerFrame> decode_server_frame(const Message& message) {
    v1::ServerFrame frame;
    if (message.type == FrameType::text) {
        if (auto parsed = from_json(message.data, frame); !parsed) {
            return std::move(parsed).failure();
        }
        return frame;
    }
    if (!frame.ParseFromString(message.data)) {
        return Failure::make(Failure::Kind::decode, "binary frame of " +
                                                        std::to_string(message.data.size()) +
                                                        " bytes is not a ServerFrame");
    }
    return frame;
}

std::string to_json(const google::protobuf::Message& message) {
    std::string out;
    // Cannot fail for a message we built: only Any with an unknown type URL would.
    (void)google::protobuf::util::MessageToJsonString(message, &out);
    return out;
}

Outcome<void> from_json(std::string_view json, google::protobuf::Message& message) {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    const auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(json.data(), json.size()), &message, options);
    if (!status.ok()) {
        return Failure::make(Failure::Kind::decode,
                             "not a " + message.GetTypeName() + " in JSON: " + status.ToString());
    }
    return {};
}

}  // namespace muster::client
