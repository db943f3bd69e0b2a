#pragma once
// What differs between the servers the load generator talks to: the upgrade path and
// subprotocol, how a connection is opened, and how commands and replies are written and read.
// Everything else (sockets, framing, scenarios) is shared, so that Muster and its peer
// baselines are driven by the same client code.
//
// - muster (binary or JSON): docs/PROTOCOL.md.
// - ws-json: the Node `ws` baseline (bench/peers/ws-server.js), a minimal JSON protocol in the
//   same shape as Muster's JSON ({"id","subscribe"|"publish"} in, {"id","publish":{"seq"}} and
//   {"event":{"group","seq","chat":{"text"}}} out); no connect step.
// - socketio: Engine.IO v4 over the websocket transport, Socket.IO packets with acks
//   ("42N[...]" -> "43N[...]"), events "42[\"event\",{group,seq,text}]".

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace muster::loadgen {

// One decoded server message. Views point into the read buffer: valid during the callback.
struct Incoming {
    enum class Kind : std::uint8_t {
        event,      // a group event (seq 0: transient, e.g. presence)
        reply,      // a reply to command `id` (Muster, ws-json) or an ack (Socket.IO)
        error,      // an error reply (id != 0) or notice (id 0)
        open,       // Engine.IO open packet
        connected,  // Socket.IO namespace connected
        ping,       // Engine.IO ping: answer with pong()
        ignore,     // anything else (pongs, unknown bodies)
        bad,        // could not be decoded
    };
    Kind kind = Kind::ignore;
    std::uint32_t id = 0;
    std::string_view group;
    std::uint64_t seq = 0;            // event seq, or the seq a publish reply assigned
    std::uint64_t latest_seq = 0;     // subscribe reply: the group's latest seq
    std::string_view text;            // event: the chat text
    bool duplicate = false;           // publish reply: an idempotent repeat
    std::uint32_t nested_errors = 0;  // connect reply: resume entries that failed
    std::string_view error;           // error code / reason
    bool presence_count = false;      // event: a PresenceCount (Muster binary)
    std::uint64_t online = 0;         // ... and how many it says are online
};

// A subscription to restore at connect (Muster's `connect.resume`), or to subscribe to.
struct SubscribeSpec {
    std::string_view group;
    std::optional<std::uint64_t> since;
};

class Protocol {
  public:
    enum class Hello : std::uint8_t {
        none,            // subscribe right after the upgrade (ws-json)
        muster_connect,  // connect {token, resume[]} and wait for its reply
        engine_io,       // wait for the open packet, send "40", wait for the namespace
    };

    virtual ~Protocol() = default;

    [[nodiscard]] virtual std::string_view name() const = 0;  // for the report
    [[nodiscard]] virtual std::string_view path() const = 0;
    [[nodiscard]] virtual std::string_view subprotocol() const = 0;
    [[nodiscard]] virtual bool binary() const = 0;
    [[nodiscard]] virtual Hello hello() const = 0;
    // Whether connect can carry subscriptions with `since` (Muster), so that a reconnecting
    // client resumes in one round trip.
    [[nodiscard]] virtual bool resume_in_connect() const { return false; }

    // Each writer replaces `out` with one message payload (not yet framed).
    virtual void connect(std::string& out, std::uint32_t id, std::string_view token,
                         std::span<const SubscribeSpec> resume) const;
    virtual void namespace_connect(std::string& out) const;  // Socket.IO "40"
    virtual void pong(std::string& out) const;               // Engine.IO "3"
    virtual void subscribe(std::string& out, std::uint32_t id, const SubscribeSpec& spec) const = 0;
    // The hot path: no allocation once `out` has grown to a publish's size.
    virtual void publish(std::string& out, std::uint32_t id, std::string_view group,
                         std::string_view client_msg_id, std::string_view text) const = 0;

    [[nodiscard]] virtual Incoming decode(std::string_view payload) const = 0;
};

// "muster" (encoding "binary" or "json"), "ws-json", "socketio"; nullptr for anything else.
std::unique_ptr<Protocol> make_protocol(std::string_view name, std::string_view encoding);

// The JSON decoder shared by Muster's JSON encoding and the ws-json baseline.
Incoming decode_json_frame(std::string_view payload);

}  // namespace muster::loadgen
