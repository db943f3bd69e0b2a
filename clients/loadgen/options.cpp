#include "loadgen/options.hpp"

#include <iostream>

#include <boost/program_options.hpp>

namespace muster::loadgen {

namespace po = boost::program_options;

std::optional<Options> parse_options(int argc, char** argv, int& exit_code) {
    Options o;
    std::string server = "127.0.0.1:8080";
    std::string publish_server;
    po::options_description d(
        "muster-loadgen: WebSocket load for Muster and its peer baselines; one JSON line out.\n"
        "Options");
    // clang-format off
    d.add_options()
        ("help,h", "this text")
        ("scenario", po::value(&o.scenario)->default_value(o.scenario),
         "fanout | chat | idle | resume-storm | publish-ack | large-group-join")
        ("protocol", po::value(&o.protocol)->default_value(o.protocol), "muster | ws-json | socketio")
        ("encoding", po::value(&o.encoding)->default_value(o.encoding), "muster: binary | json")
        ("server", po::value(&server)->default_value(server), "HOST:PORT (IPv4)")
        ("publish-server", po::value(&publish_server),
         "fanout: HOST:PORT the publishers connect to (another node of the same cluster: "
         "cross-node delivery); default --server")
        ("secret", po::value(&o.secret), "muster: the server's HS256 secret (auth.jwt_secret)")
        ("prefix", po::value(&o.prefix)->default_value(o.prefix),
         "groups are PREFIX-N, users PREFIXuN: distinct prefixes keep runs apart")
        ("create-groups", po::value(&o.create_groups)->default_value(o.create_groups),
         "muster: create the groups over the HTTP API (admin token) first")
        ("conns-per-user", po::value(&o.conns_per_user)->default_value(o.conns_per_user),
         "connections sharing a user id (presence is per user: fewer users, fewer presence "
         "notices at subscribe)")
        ("http-concurrency", po::value(&o.http_concurrency)->default_value(o.http_concurrency),
         "parallel HTTP requests while creating groups")
        ("connections,n", po::value(&o.connections)->default_value(o.connections),
         "subscribers (fanout, idle, resume-storm) or members in total (chat)")
        ("groups,g", po::value(&o.groups)->default_value(o.groups),
         "fanout: groups the subscribers are spread over; idle: groups (3 per connection); "
         "publish-ack: ignored (one per publisher)")
        ("members,m", po::value(&o.members)->default_value(o.members),
         "chat, resume-storm: connections per group")
        ("publishers,p", po::value(&o.publishers)->default_value(o.publishers),
         "fanout, publish-ack: publishing connections")
        ("rate", po::value(&o.rate)->default_value(o.rate), "publishes per second in total; 0 = flood")
        ("delivery-rate", po::value(&o.delivery_rate)->default_value(o.delivery_rate),
         "fanout, chat: target deliveries per second instead of --rate")
        ("window", po::value(&o.window)->default_value(o.window),
         "flood: messages in flight (not yet delivered to every subscriber); publish-ack: "
         "unacknowledged publishes per publisher")
        ("duration", po::value(&o.duration_s)->default_value(o.duration_s), "publishing seconds")
        ("count", po::value(&o.count)->default_value(o.count), "at most this many publishes (0 = no limit)")
        ("size", po::value(&o.size)->default_value(o.size), "message text bytes (>= 26)")
        ("missed", po::value(&o.missed)->default_value(o.missed),
         "resume-storm: events published per group while the clients are away")
        ("hold", po::value(&o.hold_s)->default_value(o.hold_s), "idle: seconds the connections are held")
        ("checkpoint", po::value(&o.checkpoint)->default_value(o.checkpoint),
         "idle: also measure the server after this many connections (RSS slope)")
        ("tick-us", po::value(&o.tick_us)->default_value(o.tick_us), "pacing tick in microseconds")
        ("drain-timeout", po::value(&o.drain_timeout_s)->default_value(o.drain_timeout_s),
         "seconds to wait for the last deliveries after publishing")
        ("stall-timeout", po::value(&o.stall_timeout_s)->default_value(o.stall_timeout_s),
         "seconds without any progress before giving up")
        ("settle", po::value(&o.settle_s)->default_value(o.settle_s),
         "quiet seconds before a measured phase")
        ("timeout", po::value(&o.timeout_s)->default_value(o.timeout_s), "bound on the whole run")
        ("connect-concurrency", po::value(&o.connect_concurrency)->default_value(o.connect_concurrency),
         "connections opening at once")
        ("conns-per-source", po::value(&o.conns_per_source)->default_value(o.conns_per_source),
         "connections per 127.0.0.x source address")
        ("server-pid", po::value(&o.server_pid)->default_value(o.server_pid),
         "the server's pid: its CPU time and RSS are read around each measured phase")
        ("label", po::value(&o.label), "free text echoed in the report");
    // clang-format on
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, d), vm);
        po::notify(vm);
    } catch (const std::exception& e) {
        std::cerr << "muster-loadgen: " << e.what() << "\n";
        exit_code = 2;
        return std::nullopt;
    }
    if (vm.count("help") != 0) {
        std::cout << d << "\n";
        exit_code = 0;
        return std::nullopt;
    }
    const auto colon = server.rfind(':');
    if (colon == std::string::npos) {
        std::cerr << "muster-loadgen: --server must be HOST:PORT\n";
        exit_code = 2;
        return std::nullopt;
    }
    o.host = server.substr(0, colon);
    if (o.host == "localhost") o.host = "127.0.0.1";
    o.port = static_cast<std::uint16_t>(std::stoul(server.substr(colon + 1)));
    if (!publish_server.empty()) {
        const auto at = publish_server.rfind(':');
        if (at == std::string::npos) {
            std::cerr << "muster-loadgen: --publish-server must be HOST:PORT\n";
            exit_code = 2;
            return std::nullopt;
        }
        o.publish_host = publish_server.substr(0, at);
        if (o.publish_host == "localhost") o.publish_host = "127.0.0.1";
        o.publish_port = static_cast<std::uint16_t>(std::stoul(publish_server.substr(at + 1)));
    }
    if (o.size < 26) o.size = 26;
    if (o.groups == 0) o.groups = 1;
    if (o.members == 0) o.members = 1;
    if (o.protocol == "muster" && o.secret.empty()) {
        std::cerr << "muster-loadgen: --secret is required with --protocol=muster\n";
        exit_code = 2;
        return std::nullopt;
    }
    return o;
}

}  // namespace muster::loadgen
