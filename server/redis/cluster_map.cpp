#include "redis/cluster_map.hpp"

#include <algorithm>
#include <charconv>

#include "redis/keys.hpp"

namespace muster::redis {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

bool is_script(const std::vector<std::string>& args) {
    return !args.empty() && (iequals(args[0], "EVALSHA") || iequals(args[0], "EVAL"));
}

// The number of KEYS of an EVAL/EVALSHA, 0 when malformed.
std::size_t script_keys(const std::vector<std::string>& args) {
    if (args.size() < 3) return 0;
    std::size_t n = 0;
    const auto& s = args[2];
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc{} || ptr != s.data() + s.size()) return 0;
    return std::min(n, args.size() - 3);
}

template <typename T>
bool parse_number(std::string_view text, T& out) {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && ptr == text.data() + text.size();
}

}  // namespace

std::optional<unsigned> command_slot(const std::vector<std::string>& args) {
    if (args.size() < 2) return std::nullopt;
    if (is_script(args)) {
        if (script_keys(args) == 0) return std::nullopt;
        return hash_slot(args[3]);
    }
    static constexpr std::array keyless = {"PING",    "SCRIPT", "CLUSTER", "INFO",  "CLIENT",
                                           "PUBLISH", "AUTH",   "SELECT",  "ECHO",  "ASKING",
                                           "HELLO",   "WAIT",   "TIME",    "CONFIG"};
    for (const std::string_view name : keyless) {
        if (iequals(args[0], name)) return std::nullopt;
    }
    return hash_slot(args[1]);
}

bool cross_slot(const std::vector<std::string>& args) {
    if (!is_script(args)) return false;
    const std::size_t n = script_keys(args);
    for (std::size_t i = 1; i < n; ++i) {
        if (hash_slot(args[3 + i]) != hash_slot(args[3])) return true;
    }
    return false;
}

std::optional<Redirect> parse_redirect(std::string_view error) {
    if (error.starts_with("redis: ")) error.remove_prefix(7);
    Redirect redirect;
    if (error.starts_with("MOVED ")) {
        redirect.kind = Redirect::Kind::moved;
        error.remove_prefix(6);
    } else if (error.starts_with("ASK ")) {
        redirect.kind = Redirect::Kind::ask;
        error.remove_prefix(4);
    } else {
        return std::nullopt;
    }
    const auto space = error.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    if (!parse_number(error.substr(0, space), redirect.slot) || redirect.slot >= cluster_slots)
        return std::nullopt;
    const std::string_view address = error.substr(space + 1);
    const auto colon = address.rfind(':');  // an IPv6 host has colons of its own
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    if (!parse_number(address.substr(colon + 1), redirect.target.port) || redirect.target.port == 0)
        return std::nullopt;
    redirect.target.host = std::string(address.substr(0, colon));
    return redirect;
}

Status SlotMap::load(const Reply& slots, const NodeAddress& answered_by) {
    if (!slots.is_array()) return {errc::internal, "CLUSTER SLOTS: not an array"};
    SlotMap next;
    for (const Reply& range : slots.elements) {
        std::int64_t start = 0;
        std::int64_t end = 0;
        if (!range.is_array() || range.elements.size() < 3 ||
            !as_integer(range.elements[0], start) || !as_integer(range.elements[1], end) ||
            start < 0 || end < start || end >= static_cast<std::int64_t>(cluster_slots)) {
            return {errc::internal, "CLUSTER SLOTS: malformed slot range"};
        }
        const Reply& master = range.elements[2];
        std::int64_t port = 0;
        if (!master.is_array() || master.elements.size() < 2 ||
            !as_integer(master.elements[1], port) || port <= 0 || port > 65535) {
            return {errc::internal, "CLUSTER SLOTS: malformed node"};
        }
        NodeAddress node{master.elements[0].str, static_cast<std::uint16_t>(port)};
        if (node.host.empty()) node.host = answered_by.host;
        const std::uint16_t index = next.index_of(node);
        std::fill(next.by_slot_.begin() + start, next.by_slot_.begin() + end + 1, index);
    }
    *this = std::move(next);
    return {};
}

const NodeAddress* SlotMap::owner(unsigned slot) const {
    if (slot >= cluster_slots || by_slot_[slot] == 0) return nullptr;
    return &nodes_[by_slot_[slot]];
}

void SlotMap::assign(unsigned slot, const NodeAddress& master) {
    if (slot >= cluster_slots) return;
    by_slot_[slot] = index_of(master);
}

std::vector<NodeAddress> SlotMap::masters() const {
    std::vector<NodeAddress> out;
    std::vector<bool> seen(nodes_.size(), false);
    for (const std::uint16_t index : by_slot_) {
        if (index == 0 || seen[index]) continue;
        seen[index] = true;
        out.push_back(nodes_[index]);
    }
    return out;
}

std::uint16_t SlotMap::index_of(const NodeAddress& node) {
    if (nodes_.empty()) nodes_.emplace_back();  // index 0: nobody
    for (std::size_t i = 1; i < nodes_.size(); ++i) {
        if (nodes_[i] == node) return static_cast<std::uint16_t>(i);
    }
    nodes_.push_back(node);
    return static_cast<std::uint16_t>(nodes_.size() - 1);
}

}  // namespace muster::redis
