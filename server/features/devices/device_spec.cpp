#include "features/devices/device_spec.hpp"

#include <string>

namespace muster::features {

namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

Status check_key(std::string_view what, std::string_view key) {
    if (key.empty())
        return {errc::invalid_argument, std::string(what) + " is required for webpush"};
    if (key.size() > max_key_bytes) {
        return {errc::too_large,
                std::string(what) + " is longer than " + std::to_string(max_key_bytes) + " bytes"};
    }
    for (char c : key) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '=';
        if (!ok) return {errc::invalid_argument, std::string(what) + " must be base64url"};
    }
    return {};
}

}  // namespace

Status check_device_spec(const muster::v1::DeviceSpec& spec) {
    const std::string& kind = spec.kind();
    if (kind != "webpush" && kind != "unifiedpush" && kind != "webhook") {
        return {errc::invalid_argument, "kind must be webpush, unifiedpush or webhook"};
    }
    const std::string& endpoint = spec.endpoint();
    if (endpoint.empty()) return {errc::invalid_argument, "endpoint is required"};
    if (endpoint.size() > max_endpoint_bytes) {
        return {errc::too_large,
                "endpoint is longer than " + std::to_string(max_endpoint_bytes) + " bytes"};
    }
    const bool https = starts_with(endpoint, "https://");
    if (!https && !(kind != "webpush" && starts_with(endpoint, "http://"))) {
        return {errc::invalid_argument, kind == "webpush" ? "endpoint must be an https:// URL"
                                                          : "endpoint must be an http(s):// URL"};
    }
    for (char c : endpoint) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
            return {errc::invalid_argument, "endpoint must not contain spaces or controls"};
    }
    if (kind == "webpush") {
        if (Status s = check_key("p256dh", spec.p256dh()); !s) return s;
        if (Status s = check_key("auth", spec.auth()); !s) return s;
    }
    return {};
}

}  // namespace muster::features
