#include "protocol/prepared_event.hpp"

namespace muster::protocol {

const SharedBytes& PreparedEvent::frame(Encoding encoding) const {
    if (encoding == Encoding::binary) {
        std::call_once(binary_once_,
                       [this] { binary_ = encode_event_frame(*event_, Encoding::binary); });
        return binary_;
    }
    std::call_once(json_once_, [this] { json_ = encode_event_frame(*event_, Encoding::json); });
    return json_;
}

}  // namespace muster::protocol
