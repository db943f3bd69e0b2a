#include "push/provider.hpp"

#include <curl/curl.h>

namespace muster::push {

std::int64_t retry_after_ms(const HttpReply& reply, std::int64_t now_ms) {
    auto it = reply.headers.find("retry-after");
    if (it == reply.headers.end() || it->second.empty()) return 0;
    const std::string& value = it->second;
    if (value.find_first_not_of("0123456789") == std::string::npos) {
        if (value.size() > 9) return 0;
        return std::stoll(value) * 1000;
    }
    const time_t at = curl_getdate(value.c_str(), nullptr);
    if (at < 0) return 0;
    const std::int64_t delay = static_cast<std::int64_t>(at) * 1000 - now_ms;
    return delay > 0 ? delay : 0;
}

Outcome common_outcome(const HttpReply& reply, std::int64_t now_ms) {
    Outcome out;
    if (reply.status == 0) {
        out.kind = Outcome::Kind::retry;
        out.status = "error";
        out.detail = reply.error;
        return out;
    }
    out.status = std::to_string(reply.status);
    if (reply.status >= 200 && reply.status < 300) {
        out.kind = Outcome::Kind::sent;
    } else if (reply.status == 429 || reply.status >= 500) {
        out.kind = Outcome::Kind::retry;
        out.retry_after_ms = retry_after_ms(reply, now_ms);
    } else {
        out.kind = Outcome::Kind::failed;
    }
    return out;
}

bool endpoint_allowed(const std::string& url, bool allow_http) {
    if (url.rfind("https://", 0) == 0) return true;
    return allow_http && url.rfind("http://", 0) == 0;
}

}  // namespace muster::push
