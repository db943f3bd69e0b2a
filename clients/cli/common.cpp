#include "cli/common.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>

namespace muster::cli {

namespace {

std::string env_or(const char* name, std::string fallback) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? std::string(value) : std::move(fallback);
}

client::Failure usage_failure(std::string message) {
    return client::Failure::make(client::Failure::Kind::invalid_argument, std::move(message));
}

// One key of musterd's INI file (the same format musterd reads); empty when absent.
client::Outcome<std::string> config_value(const std::string& path, const std::string& key) {
    std::ifstream in(path);
    if (!in) return usage_failure("cannot read config file " + path);
    po::options_description wanted;
    wanted.add_options()(key.c_str(), po::value<std::string>());
    po::variables_map values;
    try {
        po::store(po::parse_config_file(in, wanted, /*allow_unregistered=*/true), values);
    } catch (const po::error& error) {
        return usage_failure(path + ": " + error.what());
    }
    if (!values.count(key)) return std::string{};
    return values[key].as<std::string>();
}

// `jwt_secret` under `[auth]`.
client::Outcome<std::string> secret_from_config(const std::string& path) {
    auto secret = config_value(path, "auth.jwt_secret");
    if (secret && secret->empty()) return usage_failure(path + " has no jwt_secret under [auth]");
    return secret;
}

// `listen` under `[server]`, as an address to connect to: a wildcard host is this machine.
client::Outcome<std::string> server_from_config(const std::string& path) {
    auto listen = config_value(path, "server.listen");
    if (!listen || listen->empty()) return listen;
    for (const std::string_view wildcard : {"0.0.0.0:", "[::]:", "*:"}) {
        if (listen->starts_with(wildcard)) {
            const std::string port = listen->substr(wildcard.size());
            return (wildcard == "[::]:" ? "[::1]:" : "127.0.0.1:") + port;
        }
    }
    return listen;
}

// "a,b" and "c" -> a, b, c (blanks around the commas allowed).
std::vector<std::string> split_servers(const std::vector<std::string>& lists) {
    std::vector<std::string> servers;
    for (const auto& list : lists) {
        std::size_t start = 0;
        while (start <= list.size()) {
            const std::size_t comma = std::min(list.find(',', start), list.size());
            std::string item = list.substr(start, comma - start);
            const auto first = item.find_first_not_of(" \t");
            const auto last = item.find_last_not_of(" \t");
            if (first != std::string::npos) servers.push_back(item.substr(first, last - first + 1));
            start = comma + 1;
        }
    }
    return servers;
}

}  // namespace

void TokenOptions::add_to(po::options_description& options, bool with_user) {
    auto add = options.add_options();
    if (with_user) {
        add("user,u", po::value(&user), "mint a token for this user id (needs a secret)");
    }
    add("name", po::value(&name), "display name claim (default: the user id)");
    add("role", po::value(&roles)->composing(), "role claim, repeatable (e.g. admin)");
    add("ttl", po::value(&ttl_s)->default_value(86400), "token lifetime in seconds");
    add("secret", po::value(&secret), "HS256 secret (default: env MUSTER_JWT_SECRET)");
    add("config", po::value(&config), "musterd config file to read [auth] jwt_secret from");
}

client::Outcome<std::string> resolve_secret(const TokenOptions& options) {
    if (!options.secret.empty()) return options.secret;
    if (auto secret = env_or("MUSTER_JWT_SECRET", ""); !secret.empty()) return secret;
    if (!options.config.empty()) return secret_from_config(options.config);
    return usage_failure("no secret: pass --secret, set MUSTER_JWT_SECRET or pass --config FILE");
}

client::Outcome<std::string> mint(const TokenOptions& options) {
    if (options.user.empty()) return usage_failure("--user is required to mint a token");
    auto secret = resolve_secret(options);
    if (!secret) return secret;
    client::TokenSpec spec;
    spec.user = options.user;
    spec.name = options.name;
    spec.roles = options.roles;
    spec.groups = options.groups;
    spec.ttl = std::chrono::seconds(options.ttl_s);
    return client::mint_token(spec, *secret);
}

void NetworkOptions::add_to(po::options_description& options) {
    options.add_options()("server,s", po::value(&servers)->composing(),
                          "HOST:PORT, ws://HOST:PORT/ws or http://HOST:PORT; repeat it or give a "
                          "comma list to fail over between nodes (default: env MUSTER_SERVER, "
                          "else [server] listen of --config, else 127.0.0.1:8080)")(
        "token,t", po::value(&token), "JWT to connect with (default: env MUSTER_TOKEN)")(
        "encoding", po::value(&encoding)->default_value("proto"),
        "wire encoding: proto, json, or none (JSON without subprotocol)");
    minting.add_to(options, /*with_user=*/true);
}

client::Outcome<std::vector<client::Endpoint>> NetworkOptions::endpoints() const {
    std::vector<std::string> given = split_servers(servers);
    if (given.empty()) given = split_servers({env_or("MUSTER_SERVER", "")});
    if (given.empty() && !minting.config.empty()) {
        auto from_config = server_from_config(minting.config);
        if (!from_config) return std::move(from_config).failure();
        if (!from_config->empty()) given.push_back(*from_config);
    }
    if (given.empty()) given.emplace_back("127.0.0.1:8080");
    std::vector<client::Endpoint> parsed;
    for (const auto& server : given) {
        auto where = client::parse_endpoint(server);
        if (!where) return std::move(where).failure();
        parsed.push_back(std::move(*where));
    }
    return parsed;
}

client::Outcome<client::HttpResponse> NetworkOptions::http(client::HttpRequest request) const {
    auto all = endpoints();
    if (!all) return std::move(all).failure();
    std::optional<client::Outcome<client::HttpResponse>> last;
    for (const auto& where : *all) {
        request.host = where.host;
        request.port = where.port;
        last = client::http_request(request);
        const bool proxy_without_node =
            *last && ((*last)->status == 502 || (*last)->status == 503 || (*last)->status == 504);
        if ((*last && !proxy_without_node) || (!*last && !unreachable(last->failure()))) break;
    }
    return std::move(*last);
}

bool unreachable(const client::Failure& failure) {
    using Kind = client::Failure::Kind;
    return failure.is(Kind::io) || failure.is(Kind::handshake) ||
           (failure.is(Kind::closed) && failure.close_code == 1001);
}

client::Outcome<std::string> NetworkOptions::resolve_token(bool required) const {
    if (!minting.user.empty()) return mint(minting);
    if (!token.empty()) return token;
    if (auto from_env = env_or("MUSTER_TOKEN", ""); !from_env.empty()) return from_env;
    if (!required) return std::string{};
    return usage_failure("no token: pass --token, set MUSTER_TOKEN, or --user with a secret");
}

client::Outcome<client::ConnectOptions> NetworkOptions::connect_options(
    const client::Endpoint& where) const {
    const auto wire = client::parse_encoding(encoding);
    if (!wire) return usage_failure("--encoding must be proto, json or none");
    client::ConnectOptions options;
    options.host = where.host;
    options.port = where.port;
    options.target = where.target;
    options.encoding = *wire;
    return options;
}

po::options_description make_options(std::string_view caption) {
    po::options_description options{std::string(caption)};
    options.add_options()("help,h", "show this help");
    return options;
}

std::optional<int> parse_command_line(int argc, char** argv, const po::options_description& options,
                                      const po::positional_options_description& positional,
                                      std::string_view usage, po::variables_map& values) {
    try {
        po::store(po::command_line_parser(argc, argv)  // skips argv[0], the command name
                      .options(options)
                      .positional(positional)
                      .run(),
                  values);
        if (values.count("help")) {
            std::cout << "usage: " << usage << "\n\n" << options << '\n';
            return exit_ok;
        }
        po::notify(values);
    } catch (const po::error& error) {
        std::cerr << "muster-cli " << argv[0] << ": " << error.what() << "\nusage: " << usage
                  << "   (--help for options)\n";
        return exit_usage;
    }
    return std::nullopt;
}

client::Outcome<client::Session> open_session(const NetworkOptions& options,
                                              v1::ConnectReply* reply) {
    auto all = options.endpoints();
    if (!all) return std::move(all).failure();
    auto token = options.resolve_token(/*required=*/true);
    if (!token) return std::move(token).failure();
    std::optional<client::Failure> last;
    for (const auto& where : *all) {
        auto connect_options = options.connect_options(where);
        if (!connect_options) return std::move(connect_options).failure();
        auto session = client::Session::open(*connect_options);
        if (!session) {
            if (!unreachable(session.failure())) return session;
            last = std::move(session).failure();
            continue;  // the next server
        }
        auto connected = session->connect(*token, {}, "muster-cli/1");
        if (!connected) {
            if (!unreachable(connected.failure())) return std::move(connected).failure();
            last = std::move(connected).failure();
            continue;
        }
        if (reply != nullptr) *reply = std::move(connected).value();
        return session;
    }
    if (all->size() > 1) last->message += " (tried " + std::to_string(all->size()) + " servers)";
    return std::move(*last);
}

int report(const client::Failure& failure) {
    return report(failure.describe());
}

int report(std::string_view message) {
    std::cerr << "muster-cli: " << message << std::endl;
    return exit_failure;
}

bool print_line(std::string_view line) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    return std::fflush(stdout) == 0;
}

}  // namespace muster::cli
