#include "redis/keys.hpp"

#include <cstdint>

namespace muster::redis {

namespace {

std::string join(std::string_view a, std::string_view b, std::string_view c = {},
                 std::string_view d = {}) {
    std::string out;
    out.reserve(a.size() + b.size() + c.size() + d.size());
    out.append(a).append(b).append(c).append(d);
    return out;
}

}  // namespace

std::string Keys::group_tag(std::string_view group) const {
    return join(prefix_, ":{g:", group, "}");
}

std::string Keys::seq(std::string_view group) const {
    return group_tag(group) + ":seq";
}

std::string Keys::log(std::string_view group) const {
    return group_tag(group) + ":log";
}

std::string Keys::idempotency(std::string_view group, std::string_view user,
                              std::string_view key) const {
    // The user's length first: ("a:b", "c") and ("a", "b:c") must not meet.
    return join(group_tag(group), ":idem:", std::to_string(user.size()) + ":",
                join(user, ":", key));
}

std::string Keys::group_channel(std::string_view group) const {
    return group_tag(group) + ":ch";
}

std::optional<std::string> Keys::group_of_channel(std::string_view channel) const {
    const std::string head = prefix_ + ":{g:";
    constexpr std::string_view tail = "}:ch";
    if (!channel.starts_with(head) || !channel.ends_with(tail) ||
        channel.size() < head.size() + tail.size()) {
        return std::nullopt;
    }
    return std::string(channel.substr(head.size(), channel.size() - head.size() - tail.size()));
}

std::string Keys::control_channel() const {
    return prefix_ + ":control";
}

std::string Keys::health_channel(std::string_view bus_id) const {
    return join(prefix_, ":node:", bus_id, ":health");
}

std::string Keys::groups() const {
    return prefix_ + ":{dir}:groups";
}

std::string Keys::parents() const {
    return prefix_ + ":{dir}:parents";
}

std::string Keys::members(std::string_view group) const {
    return join(prefix_, ":{dir}:members:", group);
}

std::string Keys::member_names(std::string_view group) const {
    return join(prefix_, ":{dir}:member_names:", group);
}

std::string Keys::memberships(std::string_view user) const {
    return join(prefix_, ":{dir}:memberships:", user);
}

std::string Keys::users() const {
    return prefix_ + ":{dir}:users";
}

std::string Keys::presence_online(std::string_view group) const {
    return join(prefix_, ":{p:", group, "}:online");
}

std::string Keys::presence_nodes(std::string_view group) const {
    return join(prefix_, ":{p:", group, "}:nodes");
}

std::string Keys::presence_names(std::string_view group) const {
    return join(prefix_, ":{p:", group, "}:names");
}

std::string Keys::presence_users(std::string_view group) const {
    return join(prefix_, ":{p:", group, "}:users");
}

std::string Keys::user_nodes(std::string_view user) const {
    return join(prefix_, ":{u:", user, "}:nodes");
}

std::string Keys::nodes_alive() const {
    return prefix_ + ":nodes";
}

std::string Keys::duty_call(std::string_view group, std::string_view call) const {
    return join(group_tag(group), ":duty:", call);
}

std::string Keys::duty_calls_in(std::string_view group) const {
    return group_tag(group) + ":duty_calls";
}

std::string Keys::duty_out(std::string_view group, std::string_view call) const {
    return join(group_tag(group), ":duty_out:", call);
}

std::string Keys::duty_pending_in(std::string_view group) const {
    return group_tag(group) + ":duty_pending";
}

std::string Keys::duty_active_in(std::string_view group) const {
    return group_tag(group) + ":duty_active";
}

std::string Keys::duty_states_in(std::string_view group) const {
    return group_tag(group) + ":duty_states";
}

std::string Keys::duty_fanned_in(std::string_view group) const {
    return group_tag(group) + ":duty_fanned";
}

std::string Keys::duty_index() const {
    return prefix_ + ":{duty}:calls";
}

std::string Keys::duty_groups() const {
    return prefix_ + ":{duty}:groups";
}

std::string Keys::duty_pushed() const {
    return prefix_ + ":{push}:duty_pushed";
}

std::string Keys::duty_legacy(std::string_view index) const {
    return join(prefix_, ":{duty}:", index);
}

std::string Keys::meeting(std::string_view group, std::string_view meeting) const {
    return join(group_tag(group), ":meeting:", meeting);
}

std::string Keys::meeting_attendance(std::string_view group, std::string_view meeting) const {
    return Keys::meeting(group, meeting) + ":attendance";
}

std::string Keys::meeting_groups() const {
    return prefix_ + ":{meetings}:groups";
}

std::string Keys::meetings_unfinished() const {
    return prefix_ + ":{meetings}:unfinished";
}

std::string Keys::push_next() const {
    return prefix_ + ":{push}:next";
}

std::string Keys::push_ids() const {
    return prefix_ + ":{push}:ids";
}

std::string Keys::push_data() const {
    return prefix_ + ":{push}:data";
}

std::string Keys::push_by_user() const {
    return prefix_ + ":{push}:by_user";
}

std::string Keys::devices(std::string_view user) const {
    return join(prefix_, ":{u:", user, "}:devices");
}

std::string Keys::device(std::string_view user, std::string_view id) const {
    return join(prefix_, ":{u:", user, "}:device:") + std::string(id);
}

std::string Keys::device_kinds() const {
    return prefix_ + ":{device_kinds}:index";
}

std::string Keys::signin_invitation(std::string_view id) const {
    return join(prefix_, ":{signin}:inv:") + std::string(id);
}

std::string Keys::signin_codes() const {
    return prefix_ + ":{signin}:codes";
}

std::string Keys::signin_group(std::string_view group) const {
    return join(prefix_, ":{signin}:group:") + std::string(group);
}

std::string Keys::signin_session(std::string_view id) const {
    return join(prefix_, ":{signin}:session:") + std::string(id);
}

std::string Keys::signin_user(std::string_view user) const {
    return join(prefix_, ":{signin}:user:") + std::string(user);
}

Status validate_prefix(std::string_view prefix) {
    if (prefix.empty()) return {errc::invalid_argument, "redis.key_prefix is empty"};
    if (prefix.find_first_of("{}") != std::string_view::npos) {
        return {errc::invalid_argument, "redis.key_prefix must not contain { or }"};
    }
    return ok_status();
}

unsigned hash_slot(std::string_view key) {
    // Redis Cluster: CRC16/XMODEM of the hash tag (or of the whole key without one).
    if (const auto open = key.find('{'); open != std::string_view::npos) {
        const auto close = key.find('}', open + 1);
        if (close != std::string_view::npos && close > open + 1) {
            key = key.substr(open + 1, close - open - 1);
        }
    }
    std::uint16_t crc = 0;
    for (const char c : key) {
        crc ^= static_cast<std::uint16_t>(static_cast<unsigned char>(c)) << 8;
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc & 0x8000U) != 0 ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021U)
                                       : static_cast<std::uint16_t>(crc << 1);
        }
    }
    return crc % 16384U;
}

}  // namespace muster::redis
