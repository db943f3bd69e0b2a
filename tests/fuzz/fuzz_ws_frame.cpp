// libFuzzer: the WebSocket frame parser and UTF-8 validation on arbitrary bytes. Every input
// must parse to frames, "need more", or an error with a close code; never a crash or a read
// past the buffer (ASan), and `consumed` never beyond the input.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "net/ws_frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string buffer(reinterpret_cast<const char*>(data), size);
    std::size_t offset = 0;
    while (offset < buffer.size()) {
        const auto r = muster::net::parse_client_frame(buffer.data() + offset,
                                                       buffer.size() - offset, 1 << 16);
        if (r.status != muster::net::ParseStatus::frame) {
            if (r.status == muster::net::ParseStatus::error && r.close_code == 0) std::abort();
            break;
        }
        if (r.consumed == 0 || r.consumed > buffer.size() - offset) std::abort();
        (void)muster::net::valid_utf8(r.frame.payload);
        offset += r.consumed;
    }
    (void)muster::net::valid_utf8(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
