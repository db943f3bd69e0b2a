#include "features/devices/device_spec.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace muster::features {

namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

Status check_key(std::string_view what, std::string_view key, std::string_view kind) {
    if (key.empty())
        return {errc::invalid_argument,
                std::string(what) + " is required for " + std::string(kind)};
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

// Printable ASCII without spaces: tokens, bundle ids, zone names.
Status check_text(std::string_view what, std::string_view text, std::size_t max, bool required,
                  std::string_view kind) {
    if (text.empty()) {
        if (!required) return {};
        return {errc::invalid_argument,
                std::string(what) + " is required for " + std::string(kind)};
    }
    if (text.size() > max) {
        return {errc::too_large,
                std::string(what) + " is longer than " + std::to_string(max) + " bytes"};
    }
    for (char c : text) {
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            return {errc::invalid_argument, std::string(what) + " must be printable ASCII"};
    }
    return {};
}

bool is_clock(const std::string& text) {
    if (text.size() != 5 || text[2] != ':') return false;
    for (int i : {0, 1, 3, 4}) {
        if (text[i] < '0' || text[i] > '9') return false;
    }
    return (text[0] - '0') * 10 + (text[1] - '0') < 24 && text[3] < '6';
}

Status check_endpoint(const muster::v1::DeviceSpec& spec, bool allow_http) {
    const std::string& endpoint = spec.endpoint();
    if (endpoint.empty()) return {errc::invalid_argument, "endpoint is required"};
    if (endpoint.size() > max_endpoint_bytes) {
        return {errc::too_large,
                "endpoint is longer than " + std::to_string(max_endpoint_bytes) + " bytes"};
    }
    if (!starts_with(endpoint, "https://") && !(allow_http && starts_with(endpoint, "http://"))) {
        return {errc::invalid_argument, allow_http ? "endpoint must be an http(s):// URL"
                                                   : "endpoint must be an https:// URL"};
    }
    for (char c : endpoint) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
            return {errc::invalid_argument, "endpoint must not contain spaces or controls"};
    }
    return {};
}

}  // namespace

Status check_device_spec(const muster::v1::DeviceSpec& spec, bool allow_http) {
    const std::string& kind = spec.kind();
    if (kind == "webpush" || kind == "unifiedpush") {
        if (Status s = check_endpoint(spec, allow_http); !s) return s;
        if (Status s = check_key("p256dh", spec.p256dh(), kind); !s) return s;
        if (Status s = check_key("auth", spec.auth(), kind); !s) return s;
    } else if (kind == "webhook") {
        if (Status s = check_endpoint(spec, allow_http); !s) return s;
        if (spec.secret().empty())
            return {errc::invalid_argument, "secret is required for webhook"};
        if (spec.secret().size() > max_key_bytes)
            return {errc::too_large, "secret is longer than " + std::to_string(max_key_bytes)};
    } else if (kind == "apns" || kind == "fcm" || kind == "hms") {
        if (Status s = check_text("token", spec.token(), max_token_bytes, true, kind); !s) return s;
        if (kind == "apns") {
            if (Status s = check_text("topic", spec.topic(), max_key_bytes, true, kind); !s)
                return s;
            if (!spec.environment().empty() && spec.environment() != "production" &&
                spec.environment() != "sandbox") {
                return {errc::invalid_argument, "environment must be production or sandbox"};
            }
        }
    } else {
        return {errc::invalid_argument,
                "kind must be webpush, unifiedpush, apns, fcm, hms or webhook"};
    }
    if (!spec.locale().empty() && spec.locale() != "zh-CN" && spec.locale() != "en")
        return {errc::invalid_argument, "locale must be zh-CN or en"};
    if (Status s = check_text("timezone", spec.timezone(), 64, false, kind); !s) return s;
    if (spec.timezone().find("..") != std::string::npos || starts_with(spec.timezone(), "/"))
        return {errc::invalid_argument, "timezone must be an IANA name"};
    if (spec.has_quiet_hours()) {
        const auto& quiet = spec.quiet_hours();
        if (!is_clock(quiet.start()) || !is_clock(quiet.end()))
            return {errc::invalid_argument, "quietHours start and end must be HH:MM"};
    }
    static const std::array<std::string_view, 5> kinds{"duty", "reminder", "meeting", "chat",
                                                       "mention"};
    if (spec.kinds_size() > static_cast<int>(kinds.size()))
        return {errc::invalid_argument, "kinds lists each kind at most once"};
    for (const auto& k : spec.kinds()) {
        if (std::find(kinds.begin(), kinds.end(), k) == kinds.end())
            return {errc::invalid_argument,
                    "kinds must be among duty, reminder, meeting, chat, mention"};
    }
    return {};
}

}  // namespace muster::features
