#pragma once
// Command-line options of muster-loadgen (`muster-loadgen --help` describes each).

#include <cstdint>
#include <optional>
#include <string>

namespace muster::loadgen {

struct Options {
    std::string scenario = "fanout";  // fanout | chat | idle | resume-storm | publish-ack |
                                      // large-group-join
    std::string protocol = "muster";  // muster | ws-json | socketio
    std::string encoding = "binary";  // muster: binary | json
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
    // fanout: where the publishers connect (another node of a cluster: cross-node delivery);
    // empty = the server above.
    std::string publish_host;
    std::uint16_t publish_port = 0;

    // Muster: tokens and groups.
    std::string secret;                   // HS256 secret of the server
    std::string prefix = "lg";            // groups are <prefix>-<n>, users <prefix>u<n>
    bool create_groups = true;            // PUT the groups over the HTTP API first
    std::uint32_t conns_per_user = 1;     // connections sharing one user id
    std::uint32_t http_concurrency = 32;  // parallel HTTP requests while creating groups

    // Shape.
    std::uint32_t connections = 100;  // subscribers (fanout, idle, resume-storm), members (chat)
    std::uint32_t groups = 1;
    std::uint32_t publishers = 1;  // fanout, publish-ack: connections that publish
    std::uint32_t members = 10;    // chat, resume-storm: connections per group

    // Load.
    double rate = 0;               // publishes per second in total; 0 = flood
    double delivery_rate = 0;      // alternatively deliveries per second (fanout, chat)
    std::uint32_t window = 32;     // flood: messages not yet fully delivered (fanout,
                                   // chat); publish-ack: unacknowledged per publisher
    double duration_s = 5;         // publishing phase
    std::uint64_t count = 0;       // at most this many publishes; 0 = no limit
    std::uint32_t size = 64;       // message text bytes (at least 26)
    std::uint32_t missed = 100;    // resume-storm: events published while away, per group
    double hold_s = 5;             // idle: how long the connections are held
    std::uint32_t checkpoint = 0;  // idle: also measure after this many connections
    std::uint32_t tick_us = 1000;  // pacing tick

    // Bounds.
    double drain_timeout_s = 10;  // after publishing, waiting for the last deliveries
    double stall_timeout_s = 5;   // no progress at all for this long: stop
    double settle_s = 0.5;        // quiet time before a measured phase
    double timeout_s = 300;       // the whole run
    std::uint32_t connect_concurrency = 256;
    std::uint32_t conns_per_source = 5000;

    // Measuring the server.
    int server_pid = 0;  // read its /proc/PID/stat and status around phases
    std::string label;   // echoed in the report
};

// Parses argv; prints help or an error and returns nullopt when the program should exit
// (`exit_code` says with what).
std::optional<Options> parse_options(int argc, char** argv, int& exit_code);

}  // namespace muster::loadgen
