// The protocols of the peer baselines in bench/peers/: what a user of `ws` or Socket.IO would
// write for the same fan-out (rooms, a per-room seq, one encode per broadcast).

#include <cstdio>

#include "loadgen/json_scan.hpp"
#include "loadgen/protocol.hpp"

namespace muster::loadgen {
namespace {

void append_uint(std::string& out, std::uint64_t value) {
    char digits[24];
    const int n =
        std::snprintf(digits, sizeof digits, "%llu", static_cast<unsigned long long>(value));
    out.append(digits, static_cast<std::size_t>(n));
}

class WsJson final : public Protocol {
  public:
    [[nodiscard]] std::string_view name() const override { return "ws-json"; }
    [[nodiscard]] std::string_view path() const override { return "/"; }
    [[nodiscard]] std::string_view subprotocol() const override { return ""; }
    [[nodiscard]] bool binary() const override { return false; }
    [[nodiscard]] Hello hello() const override { return Hello::none; }

    void subscribe(std::string& out, std::uint32_t id, const SubscribeSpec& spec) const override {
        out.assign(R"({"id":)");
        append_uint(out, id);
        out.append(R"(,"subscribe":{"group":")").append(spec.group).append(R"("}})");
    }
    void publish(std::string& out, std::uint32_t id, std::string_view group, std::string_view,
                 std::string_view text) const override {
        out.assign(R"({"id":)");
        append_uint(out, id);
        out.append(R"(,"publish":{"group":")").append(group);
        out.append(R"(","text":")").append(text).append(R"("}})");
    }
    [[nodiscard]] Incoming decode(std::string_view payload) const override {
        return decode_json_frame(payload);
    }
};

// Engine.IO v4 packet types: 0 open, 2 ping, 3 pong, 4 message; Socket.IO packet types (after
// the Engine.IO "4"): 0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR.
class SocketIo final : public Protocol {
  public:
    [[nodiscard]] std::string_view name() const override { return "socketio"; }
    [[nodiscard]] std::string_view path() const override {
        return "/socket.io/?EIO=4&transport=websocket";
    }
    [[nodiscard]] std::string_view subprotocol() const override { return ""; }
    [[nodiscard]] bool binary() const override { return false; }
    [[nodiscard]] Hello hello() const override { return Hello::engine_io; }

    // Character by character: GCC 12 warns (-Wrestrict, a false positive) on assigning a
    // short literal to a string whose buffer it cannot see.
    void namespace_connect(std::string& out) const override {
        out.clear();
        out.push_back('4');
        out.push_back('0');
    }
    void pong(std::string& out) const override {
        out.clear();
        out.push_back('3');
    }
    void subscribe(std::string& out, std::uint32_t id, const SubscribeSpec& spec) const override {
        out.assign("42");
        append_uint(out, id);
        out.append(R"(["subscribe",{"group":")").append(spec.group).append(R"("}])");
    }
    void publish(std::string& out, std::uint32_t id, std::string_view group, std::string_view,
                 std::string_view text) const override {
        out.assign("42");
        append_uint(out, id);
        out.append(R"(["publish",{"group":")").append(group);
        out.append(R"(","text":")").append(text).append(R"("}])");
    }

    [[nodiscard]] Incoming decode(std::string_view payload) const override {
        Incoming in;
        if (payload.empty()) {
            in.kind = Incoming::Kind::bad;
            return in;
        }
        switch (payload[0]) {
            case '0':
                in.kind = Incoming::Kind::open;
                return in;
            case '2':
                in.kind = Incoming::Kind::ping;
                return in;
            case '4':
                break;
            default:
                in.kind = Incoming::Kind::ignore;
                return in;
        }
        if (payload.size() < 2) {
            in.kind = Incoming::Kind::bad;
            return in;
        }
        switch (payload[1]) {
            case '0':
                in.kind = Incoming::Kind::connected;
                return in;
            case '2':  // 42["event",{...}]
                in.kind = Incoming::Kind::event;
                in.group = json::find(payload, "group").value_or(std::string_view{});
                in.seq = json::find_uint(payload, "seq").value_or(0);
                in.text = json::find(payload, "text").value_or(std::string_view{});
                return in;
            case '3': {  // 43<id>[{...}]
                std::size_t end = 2;
                while (end < payload.size() && payload[end] >= '0' && payload[end] <= '9') ++end;
                const auto id = json::parse_uint(payload.substr(2, end - 2));
                in.kind = id ? Incoming::Kind::reply : Incoming::Kind::bad;
                in.id = static_cast<std::uint32_t>(id.value_or(0));
                in.seq = json::find_uint(payload, "seq", end).value_or(0);
                in.latest_seq = json::find_uint(payload, "latestSeq", end).value_or(0);
                return in;
            }
            case '1':
            case '4':
                in.kind = Incoming::Kind::error;
                in.error = payload[1] == '1' ? "socketio disconnect" : "socketio connect_error";
                return in;
            default:
                in.kind = Incoming::Kind::ignore;
                return in;
        }
    }
};

}  // namespace

std::unique_ptr<Protocol> make_ws_json() {
    return std::make_unique<WsJson>();
}
std::unique_ptr<Protocol> make_socketio() {
    return std::make_unique<SocketIo>();
}

}  // namespace muster::loadgen
