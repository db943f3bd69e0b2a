// Muster's wire contract (docs/PROTOCOL.md) in both encodings. Setup frames come from the
// generated classes, so that they are right by construction; publish frames and everything a
// receiver reads per delivery are written and read by hand (proto_wire.hpp, json_scan.hpp).

#include <cstdio>

#include <google/protobuf/util/json_util.h>

#include "loadgen/json_scan.hpp"
#include "loadgen/proto_wire.hpp"
#include "loadgen/protocol.hpp"
#include "muster/v1/frame.pb.h"

namespace muster::loadgen {
namespace {

// ClientFrame / ServerFrame field numbers (proto/muster/v1/frame.proto and friends).
namespace field {
constexpr std::uint32_t id = 1;
constexpr std::uint32_t error = 2;
constexpr std::uint32_t event = 3;
constexpr std::uint32_t connect = 10;
constexpr std::uint32_t subscribe = 11;
constexpr std::uint32_t publish = 13;
}  // namespace field

v1::ClientFrame connect_frame(std::uint32_t id, std::string_view token,
                              std::span<const SubscribeSpec> resume) {
    v1::ClientFrame frame;
    frame.set_id(id);
    auto* connect = frame.mutable_connect();
    connect->set_token(std::string(token));
    connect->set_client("muster-loadgen");
    for (const SubscribeSpec& spec : resume) {
        auto* entry = connect->add_resume();
        entry->set_group(std::string(spec.group));
        if (spec.since) entry->set_since(*spec.since);
    }
    return frame;
}

v1::ClientFrame subscribe_frame(std::uint32_t id, const SubscribeSpec& spec) {
    v1::ClientFrame frame;
    frame.set_id(id);
    auto* subscribe = frame.mutable_subscribe();
    subscribe->set_group(std::string(spec.group));
    if (spec.since) subscribe->set_since(*spec.since);
    return frame;
}

std::string to_json(const v1::ClientFrame& frame) {
    std::string out;
    (void)google::protobuf::util::MessageToJsonString(frame, &out);
    return out;
}

// SubscribeReply: latest_seq = 3, error = 5.
void read_subscribe_reply(std::string_view bytes, Incoming& in) {
    wire::Reader r(bytes);
    std::uint32_t f = 0;
    wire::WireType t{};
    while (r.next(f, t)) {
        if (f == 3 && t == wire::varint) {
            r.read_varint(in.latest_seq);
        } else if (f == 5 && t == wire::length) {
            ++in.nested_errors;
            r.skip(t);
        } else {
            r.skip(t);
        }
    }
}

// ConnectReply: resumed = 5 (repeated SubscribeReply).
void read_connect_reply(std::string_view bytes, Incoming& in) {
    wire::Reader r(bytes);
    std::uint32_t f = 0;
    wire::WireType t{};
    while (r.next(f, t)) {
        std::string_view entry;
        if (f == 5 && t == wire::length && r.read_bytes(entry)) {
            Incoming nested;
            read_subscribe_reply(entry, nested);
            in.nested_errors += nested.nested_errors;
        } else {
            r.skip(t);
        }
    }
}

// Event: group = 1, seq = 2, chat = 10 { text = 1 }, presence_count = 21 { online = 2 }.
void read_event(std::string_view bytes, Incoming& in) {
    wire::Reader r(bytes);
    std::uint32_t f = 0;
    wire::WireType t{};
    while (r.next(f, t)) {
        if (f == 1 && t == wire::length) {
            r.read_bytes(in.group);
        } else if (f == 2 && t == wire::varint) {
            r.read_varint(in.seq);
        } else if (f == 10 && t == wire::length) {
            std::string_view chat;
            if (!r.read_bytes(chat)) break;
            wire::Reader c(chat);
            while (c.next(f, t)) {
                if (f == 1 && t == wire::length) {
                    c.read_bytes(in.text);
                } else {
                    c.skip(t);
                }
            }
        } else if (f == 21 && t == wire::length) {
            std::string_view count;
            if (!r.read_bytes(count)) break;
            in.presence_count = true;
            wire::Reader c(count);
            while (c.next(f, t)) {
                if (f == 2 && t == wire::varint) {
                    c.read_varint(in.online);
                } else {
                    c.skip(t);
                }
            }
        } else {
            r.skip(t);
        }
    }
}

class MusterBinary final : public Protocol {
  public:
    [[nodiscard]] std::string_view name() const override { return "muster"; }
    [[nodiscard]] std::string_view path() const override { return "/ws"; }
    [[nodiscard]] std::string_view subprotocol() const override { return "muster.v1.proto"; }
    [[nodiscard]] bool binary() const override { return true; }
    [[nodiscard]] Hello hello() const override { return Hello::muster_connect; }
    [[nodiscard]] bool resume_in_connect() const override { return true; }

    void connect(std::string& out, std::uint32_t id, std::string_view token,
                 std::span<const SubscribeSpec> resume) const override {
        out.clear();
        (void)connect_frame(id, token, resume).AppendToString(&out);
    }
    void subscribe(std::string& out, std::uint32_t id, const SubscribeSpec& spec) const override {
        out.clear();
        (void)subscribe_frame(id, spec).AppendToString(&out);
    }
    void publish(std::string& out, std::uint32_t id, std::string_view group,
                 std::string_view client_msg_id, std::string_view text) const override {
        out.clear();
        wire::put_tag(out, field::id, wire::varint);
        wire::put_varint(out, id);
        std::size_t inner =
            wire::bytes_field_size(group.size()) + wire::bytes_field_size(text.size());
        if (!client_msg_id.empty()) inner += wire::bytes_field_size(client_msg_id.size());
        wire::put_tag(out, field::publish, wire::length);
        wire::put_varint(out, inner);
        wire::put_bytes(out, 1, group);  // Publish.group
        if (!client_msg_id.empty()) wire::put_bytes(out, 2, client_msg_id);
        wire::put_bytes(out, 3, text);
    }

    [[nodiscard]] Incoming decode(std::string_view payload) const override {
        Incoming in;
        wire::Reader r(payload);
        std::uint32_t f = 0;
        wire::WireType t{};
        while (r.next(f, t)) {
            if (f == field::id && t == wire::varint) {
                std::uint64_t id = 0;
                r.read_varint(id);
                in.id = static_cast<std::uint32_t>(id);
                continue;
            }
            std::string_view body;
            if (t != wire::length) {
                r.skip(t);
                continue;
            }
            if (!r.read_bytes(body)) break;
            switch (f) {
                case field::event:
                    in.kind = Incoming::Kind::event;
                    read_event(body, in);
                    break;
                case field::error:
                    in.kind = Incoming::Kind::error;
                    in.error = error_name(body);
                    break;
                case field::connect:
                    in.kind = Incoming::Kind::reply;
                    read_connect_reply(body, in);
                    break;
                case field::subscribe:
                    in.kind = Incoming::Kind::reply;
                    read_subscribe_reply(body, in);
                    break;
                case field::publish: {
                    in.kind = Incoming::Kind::reply;
                    wire::Reader p(body);
                    while (p.next(f, t)) {
                        std::uint64_t v = 0;
                        if (f == 1 && t == wire::varint) {
                            p.read_varint(in.seq);
                        } else if (f == 2 && t == wire::varint && p.read_varint(v)) {
                            in.duplicate = v != 0;
                        } else {
                            p.skip(t);
                        }
                    }
                    break;
                }
                default:
                    in.kind = Incoming::Kind::reply;
                    break;
            }
        }
        if (!r.ok()) in.kind = Incoming::Kind::bad;
        return in;
    }

  private:
    // Error.code (field 1) by its enum name, for the report; errors are off the hot path.
    static std::string_view error_name(std::string_view bytes) {
        wire::Reader r(bytes);
        std::uint32_t f = 0;
        wire::WireType t{};
        std::uint64_t code = 0;
        while (r.next(f, t)) {
            if (f == 1 && t == wire::varint) {
                r.read_varint(code);
            } else {
                r.skip(t);
            }
        }
        const auto* descriptor =
            v1::Error::Code_descriptor()->FindValueByNumber(static_cast<int>(code));
        return descriptor ? std::string_view(descriptor->name()) : std::string_view("UNKNOWN");
    }
};

class MusterJson final : public Protocol {
  public:
    [[nodiscard]] std::string_view name() const override { return "muster"; }
    [[nodiscard]] std::string_view path() const override { return "/ws"; }
    [[nodiscard]] std::string_view subprotocol() const override { return "muster.v1.json"; }
    [[nodiscard]] bool binary() const override { return false; }
    [[nodiscard]] Hello hello() const override { return Hello::muster_connect; }
    [[nodiscard]] bool resume_in_connect() const override { return true; }

    void connect(std::string& out, std::uint32_t id, std::string_view token,
                 std::span<const SubscribeSpec> resume) const override {
        out = to_json(connect_frame(id, token, resume));
    }
    void subscribe(std::string& out, std::uint32_t id, const SubscribeSpec& spec) const override {
        out = to_json(subscribe_frame(id, spec));
    }
    // The text and ids are the load generator's own (digits, letters, '-', ' '): no escaping.
    void publish(std::string& out, std::uint32_t id, std::string_view group,
                 std::string_view client_msg_id, std::string_view text) const override {
        char digits[16];
        const int n = std::snprintf(digits, sizeof digits, "%u", id);
        out.assign(R"({"id":)").append(digits, static_cast<std::size_t>(n));
        out.append(R"(,"publish":{"group":")").append(group);
        if (!client_msg_id.empty()) out.append(R"(","clientMsgId":")").append(client_msg_id);
        out.append(R"(","text":")").append(text).append(R"("}})");
    }

    [[nodiscard]] Incoming decode(std::string_view payload) const override {
        return decode_json_frame(payload);
    }
};

}  // namespace

std::unique_ptr<Protocol> make_muster_binary() {
    return std::make_unique<MusterBinary>();
}
std::unique_ptr<Protocol> make_muster_json() {
    return std::make_unique<MusterJson>();
}

}  // namespace muster::loadgen
