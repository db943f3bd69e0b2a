#include "store/device_extra.hpp"

#include <boost/json.hpp>

namespace muster::store {

namespace json = boost::json;

std::string encode_device_extra(const DeviceInfo& device) {
    json::object out;
    auto put = [&out](const char* key, const std::string& value) {
        if (!value.empty()) out[key] = value;
    };
    put("token", device.token);
    put("topic", device.topic);
    put("environment", device.environment);
    put("secret", device.secret);
    put("locale", device.locale);
    put("timezone", device.timezone);
    put("quietStart", device.quiet_start);
    put("quietEnd", device.quiet_end);
    if (!device.kinds.empty()) {
        json::array kinds;
        for (const auto& kind : device.kinds) kinds.push_back(json::string(kind));
        out["kinds"] = std::move(kinds);
    }
    return json::serialize(out);
}

void decode_device_extra(const std::string& text, DeviceInfo& device) {
    if (text.empty()) return;
    boost::system::error_code ec;
    json::value value = json::parse(text, ec);
    if (ec || !value.is_object()) return;
    const auto& in = value.as_object();
    auto get = [&in](const char* key, std::string& into) {
        if (const auto* v = in.if_contains(key); v != nullptr && v->is_string())
            into = std::string(v->as_string());
    };
    get("token", device.token);
    get("topic", device.topic);
    get("environment", device.environment);
    get("secret", device.secret);
    get("locale", device.locale);
    get("timezone", device.timezone);
    get("quietStart", device.quiet_start);
    get("quietEnd", device.quiet_end);
    if (const auto* v = in.if_contains("kinds"); v != nullptr && v->is_array()) {
        for (const auto& kind : v->as_array()) {
            if (kind.is_string()) device.kinds.emplace_back(kind.as_string());
        }
    }
}

}  // namespace muster::store
