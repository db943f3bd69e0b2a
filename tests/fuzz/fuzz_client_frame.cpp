// libFuzzer: decoding a ClientFrame in both encodings, and encoding a reply to it. Malformed
// input must come back as BAD_FRAME, never as a crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view payload(reinterpret_cast<const char*>(data), size);
    for (auto encoding : {muster::protocol::Encoding::binary, muster::protocol::Encoding::json}) {
        muster::v1::ClientFrame frame;
        const bool text = encoding == muster::protocol::Encoding::json;
        const muster::Status status =
            muster::protocol::decode_client_frame(payload, text, encoding, frame);
        if (!status.ok() && status.code() != muster::errc::bad_frame) std::abort();
        if (status.ok()) {
            muster::v1::ServerFrame reply;
            reply.set_id(frame.id());
            reply.mutable_error()->set_message(frame.ShortDebugString());
            (void)muster::protocol::encode_server_frame(reply, encoding);
        }
    }
    return 0;
}
