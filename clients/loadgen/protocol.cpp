#include "loadgen/protocol.hpp"

#include "loadgen/json_scan.hpp"

namespace muster::loadgen {

void Protocol::connect(std::string& out, std::uint32_t, std::string_view,
                       std::span<const SubscribeSpec>) const {
    out.clear();
}
void Protocol::namespace_connect(std::string& out) const {
    out.clear();
}
void Protocol::pong(std::string& out) const {
    out.clear();
}

std::unique_ptr<Protocol> make_muster_binary();
std::unique_ptr<Protocol> make_muster_json();
std::unique_ptr<Protocol> make_ws_json();
std::unique_ptr<Protocol> make_socketio();

std::unique_ptr<Protocol> make_protocol(std::string_view name, std::string_view encoding) {
    if (name == "muster") {
        if (encoding == "binary") return make_muster_binary();
        if (encoding == "json") return make_muster_json();
        return nullptr;
    }
    if (name == "ws-json") return make_ws_json();
    if (name == "socketio") return make_socketio();
    return nullptr;
}

Incoming decode_json_frame(std::string_view payload) {
    Incoming in;
    // {"id":N,"<body>":{...}} or {"<body>":{...}}: the body's key says what it is.
    std::size_t pos = payload.find('"');
    if (payload.empty() || payload.front() != '{' || pos == std::string_view::npos) {
        in.kind = Incoming::Kind::bad;
        return in;
    }
    auto read_key = [&](std::string_view& key) {
        const std::size_t end = payload.find('"', pos + 1);
        if (end == std::string_view::npos) return false;
        key = payload.substr(pos + 1, end - pos - 1);
        pos = end + 1;
        return true;
    };
    std::string_view key;
    if (!read_key(key)) {
        in.kind = Incoming::Kind::bad;
        return in;
    }
    if (key == "id") {
        const auto id = json::find_uint(payload, "id");
        in.id = id ? static_cast<std::uint32_t>(*id) : 0;
        pos = payload.find('"', pos);
        if (pos == std::string_view::npos || !read_key(key)) {
            in.kind = Incoming::Kind::bad;
            return in;
        }
    }
    const std::size_t body = pos;
    if (key == "event") {
        in.kind = Incoming::Kind::event;
        in.group = json::find(payload, "group", body).value_or(std::string_view{});
        in.seq = json::find_uint(payload, "seq", body).value_or(0);
        in.text = json::find(payload, "text", body).value_or(std::string_view{});
    } else if (key == "error") {
        in.kind = Incoming::Kind::error;
        in.error = json::find(payload, "code", body).value_or("error");
    } else {
        in.kind = Incoming::Kind::reply;
        in.seq = json::find_uint(payload, "seq", body).value_or(0);
        in.latest_seq = json::find_uint(payload, "latestSeq", body).value_or(0);
        in.duplicate = json::find(payload, "duplicate", body).value_or("") == "true";
        // A connect reply's resume entries carry their own `error` when they failed.
        for (std::size_t at = payload.find("\"error\"", body); at != std::string_view::npos;
             at = payload.find("\"error\"", at + 1)) {
            ++in.nested_errors;
        }
    }
    return in;
}

}  // namespace muster::loadgen
