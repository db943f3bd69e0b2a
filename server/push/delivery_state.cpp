#include "push/delivery_state.hpp"

#include <algorithm>

#include <boost/json.hpp>

namespace muster::push {

namespace json = boost::json;

DeliveryState parse_state(const std::string& text) {
    DeliveryState state;
    if (text.empty()) return state;
    boost::system::error_code ec;
    json::value value = json::parse(text, ec);
    if (ec || !value.is_object()) return state;
    const auto& in = value.as_object();
    if (const auto* v = in.if_contains("o"); v && v->is_string()) state.owner = v->as_string();
    if (const auto* v = in.if_contains("l"); v && v->is_int64())
        state.lease_until_ms = v->as_int64();
    if (const auto* v = in.if_contains("a"); v && v->is_int64())
        state.attempts = static_cast<std::uint32_t>(v->as_int64());
    if (const auto* v = in.if_contains("n"); v && v->is_int64())
        state.next_attempt_ms = v->as_int64();
    if (const auto* v = in.if_contains("d"); v && v->is_array()) {
        for (const auto& id : v->as_array()) {
            if (id.is_string()) state.delivered.emplace_back(id.as_string());
        }
    }
    return state;
}

std::string format_state(const DeliveryState& state) {
    json::array delivered;
    for (const auto& id : state.delivered) delivered.push_back(json::string(id));
    return json::serialize(json::object{{"o", state.owner},
                                        {"l", state.lease_until_ms},
                                        {"a", static_cast<std::int64_t>(state.attempts)},
                                        {"n", state.next_attempt_ms},
                                        {"d", std::move(delivered)}});
}

PushStateRule take_lease(std::string owner, std::int64_t lease_ms) {
    return [owner = std::move(owner), lease_ms](const PushIntent& intent,
                                                std::int64_t now) -> std::optional<std::string> {
        DeliveryState state = parse_state(intent.state);
        if (!state.owner.empty() && state.lease_until_ms > now) return std::nullopt;
        if (state.next_attempt_ms > now) return std::nullopt;
        state.owner = owner;
        state.lease_until_ms = now + lease_ms;
        return format_state(state);
    };
}

PushStateRule end_round(std::string owner, std::vector<std::string> delivered,
                        std::int64_t next_attempt_ms, bool count_attempt) {
    return [owner = std::move(owner), delivered = std::move(delivered), next_attempt_ms,
            count_attempt](const PushIntent& intent,
                           std::int64_t /*now*/) -> std::optional<std::string> {
        DeliveryState state = parse_state(intent.state);
        if (state.owner != owner) return std::nullopt;
        for (const auto& id : delivered) {
            if (std::find(state.delivered.begin(), state.delivered.end(), id) ==
                state.delivered.end())
                state.delivered.push_back(id);
        }
        if (count_attempt) ++state.attempts;
        state.next_attempt_ms = next_attempt_ms;
        state.owner.clear();
        state.lease_until_ms = 0;
        return format_state(state);
    };
}

std::int64_t backoff_ms(std::uint32_t attempt, std::int64_t initial_ms, std::int64_t max_ms,
                        std::int64_t retry_after_ms) {
    std::int64_t wait = initial_ms;
    for (std::uint32_t i = 1; i < attempt && wait < max_ms; ++i) wait *= 2;
    wait = std::min(wait, max_ms);
    // Retry-After is a minimum; the retry comes within one backoff step after it.
    if (retry_after_ms > 0) wait = std::max(wait, retry_after_ms);
    return wait;
}

}  // namespace muster::push
