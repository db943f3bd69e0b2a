#include "protocol/codec.hpp"

#include <google/protobuf/util/json_util.h>

#include "wsframe/frame_builder.hpp"

namespace muster::protocol {

namespace pbu = google::protobuf::util;
using muster::v1::ServerFrame;

namespace {

SharedBytes frame_payload(std::string_view payload, Encoding encoding) {
    return make_shared_bytes(wsframe::make_frame(
        encoding == Encoding::binary ? wsframe::Opcode::binary : wsframe::Opcode::text, payload));
}

std::size_t varint_size(std::uint64_t v) {
    std::size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        ++n;
    }
    return n;
}

void append_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

pbu::JsonPrintOptions print_options() {
    pbu::JsonPrintOptions options;
    options.add_whitespace = false;
    options.always_print_primitive_fields = false;  // canonical: defaults are omitted
    options.preserve_proto_field_names = false;     // lowerCamelCase
    return options;
}

}  // namespace

Encoding encoding_for_subprotocol(std::string_view protocol) {
    return protocol == "muster.v1.proto" ? Encoding::binary : Encoding::json;
}

Status decode_client_frame(std::string_view payload, bool text, Encoding encoding,
                           muster::v1::ClientFrame& out) {
    if (encoding == Encoding::binary) {
        if (text)
            return {errc::bad_frame,
                    "text frame on a muster.v1.proto connection: send binary frames"};
        if (!out.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
            return {errc::bad_frame, "not a ClientFrame (protobuf decode failed)"};
        }
        return {};
    }
    if (!text) return {errc::bad_frame, "binary frame on a JSON connection: send text frames"};
    pbu::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    const auto status = pbu::JsonStringToMessage(
        google::protobuf::StringPiece(payload.data(), payload.size()), &out, options);
    if (!status.ok())
        return {errc::bad_frame, "not a ClientFrame: " + std::string(status.message())};
    return {};
}

SharedBytes encode_server_frame(const ServerFrame& frame, Encoding encoding) {
    std::string payload;
    if (encoding == Encoding::binary) {
        frame.SerializeToString(&payload);
    } else {
        (void)pbu::MessageToJsonString(frame, &payload, print_options());
    }
    return frame_payload(payload, encoding);
}

SharedBytes encode_event_frame(const std::string& event_bytes, Encoding encoding) {
    if (encoding == Encoding::binary) {
        // ServerFrame field 3 (event), wire type 2: tag byte 0x1A, length, the Event's bytes.
        static_assert(ServerFrame::kEventFieldNumber == 3);
        std::string payload;
        payload.reserve(1 + varint_size(event_bytes.size()) + event_bytes.size());
        payload.push_back(static_cast<char>((ServerFrame::kEventFieldNumber << 3) | 2));
        append_varint(payload, event_bytes.size());
        payload.append(event_bytes);
        return frame_payload(payload, encoding);
    }
    ServerFrame frame;
    frame.mutable_event()->ParseFromString(event_bytes);
    return encode_server_frame(frame, encoding);
}

SharedBytes encode_error(std::uint32_t id, errc code, std::string_view message, Encoding encoding) {
    ServerFrame frame;
    frame.set_id(id);
    auto* error = frame.mutable_error();
    error->set_code(static_cast<muster::v1::Error::Code>(code));
    error->set_message(std::string(message));
    return encode_server_frame(frame, encoding);
}

std::string to_json(const google::protobuf::Message& message) {
    std::string out;
    (void)pbu::MessageToJsonString(message, &out, print_options());
    return out;
}

Status from_json(std::string_view json, google::protobuf::Message& out) {
    pbu::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    const auto status = pbu::JsonStringToMessage(
        google::protobuf::StringPiece(json.data(), json.size()), &out, options);
    if (!status.ok())
        return {errc::invalid_argument, "malformed JSON body: " + std::string(status.message())};
    return {};
}

}  // namespace muster::protocol
