#include "core/status.hpp"

namespace muster {

std::string_view errc_name(errc code) {
    switch (code) {
        case errc::ok:
            return "OK";
        case errc::bad_frame:
            return "BAD_FRAME";
        case errc::unauthenticated:
            return "UNAUTHENTICATED";
        case errc::forbidden:
            return "FORBIDDEN";
        case errc::not_found:
            return "NOT_FOUND";
        case errc::invalid_argument:
            return "INVALID_ARGUMENT";
        case errc::rate_limited:
            return "RATE_LIMITED";
        case errc::too_large:
            return "TOO_LARGE";
        case errc::conflict:
            return "CONFLICT";
        case errc::unavailable:
            return "UNAVAILABLE";
        case errc::internal:
            return "INTERNAL";
    }
    return "INTERNAL";
}

int http_status(errc code) {
    switch (code) {
        case errc::ok:
            return 200;
        case errc::bad_frame:
        case errc::invalid_argument:
            return 400;
        case errc::unauthenticated:
            return 401;
        case errc::forbidden:
            return 403;
        case errc::not_found:
            return 404;
        case errc::conflict:
            return 409;
        case errc::too_large:
            return 413;
        case errc::rate_limited:
            return 429;
        case errc::unavailable:
            return 503;
        case errc::internal:
            return 500;
    }
    return 500;
}

}  // namespace muster
