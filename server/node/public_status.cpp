#include "node/public_status.hpp"

#include "core/log.hpp"

namespace muster::node {

Status public_status(const Status& status, std::string_view where) {
    switch (status.code()) {
        case errc::internal:
            MUSTER_LOG_WARN("node") << where << ": internal error: " << status.message();
            return {errc::internal, "internal error (the node logged the detail)"};
        case errc::unavailable:
            MUSTER_LOG_WARN("node") << where << ": unavailable: " << status.message();
            return {errc::unavailable, "temporarily unavailable, try again"};
        default:
            return status;
    }
}

}  // namespace muster::node
