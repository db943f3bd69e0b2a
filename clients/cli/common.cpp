#include "cli/common.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace muster::cli {

namespace {

std::string env_or(const char* name, std::string fallback) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? std::string(value) : std::move(fallback);
}

client::Failure usage_failure(std::string message) {
    return client::Failure::make(client::Failure::Kind::invalid_argument, std::move(message));
}

// `jwt_secret` under `[auth]` of musterd's INI file (the same format musterd reads).
client::Outcome<std::string> secret_from_config(const std::string& path) {
    std::ifstream in(path);
    if (!in) return usage_failure("cannot read config file " + path);
    po::options_description wanted;
    wanted.add_options()("auth.jwt_secret", po::value<std::string>());
    po::variables_map values;
    try {
        po::store(po::parse_config_file(in, wanted, /*allow_unregistered=*/true), values);
    } catch (const po::error& error) {
        return usage_failure(path + ": " + error.what());
    }
    if (!values.count("auth.jwt_secret")) {
        return usage_failure(path + " has no jwt_secret under [auth]");
    }
    return values["auth.jwt_secret"].as<std::string>();
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
    options.add_options()(
        "server,s", po::value(&server)->default_value(env_or("MUSTER_SERVER", "127.0.0.1:8080")),
        "HOST:PORT, ws://HOST:PORT/ws or http://HOST:PORT (env MUSTER_SERVER)")(
        "token,t", po::value(&token), "JWT to connect with (default: env MUSTER_TOKEN)")(
        "encoding", po::value(&encoding)->default_value("proto"),
        "wire encoding: proto, json, or none (JSON without subprotocol)");
    minting.add_to(options, /*with_user=*/true);
}

client::Outcome<client::Endpoint> NetworkOptions::endpoint() const {
    return client::parse_endpoint(server);
}

client::Outcome<std::string> NetworkOptions::resolve_token(bool required) const {
    if (!minting.user.empty()) return mint(minting);
    if (!token.empty()) return token;
    if (auto from_env = env_or("MUSTER_TOKEN", ""); !from_env.empty()) return from_env;
    if (!required) return std::string{};
    return usage_failure("no token: pass --token, set MUSTER_TOKEN, or --user with a secret");
}

client::Outcome<client::ConnectOptions> NetworkOptions::connect_options() const {
    auto where = endpoint();
    if (!where) return std::move(where).failure();
    const auto wire = client::parse_encoding(encoding);
    if (!wire) return usage_failure("--encoding must be proto, json or none");
    client::ConnectOptions options;
    options.host = where->host;
    options.port = where->port;
    options.target = where->target;
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
    auto connect_options = options.connect_options();
    if (!connect_options) return std::move(connect_options).failure();
    auto token = options.resolve_token(/*required=*/true);
    if (!token) return std::move(token).failure();
    auto session = client::Session::open(*connect_options);
    if (!session) return session;
    auto connected = session->connect(*token, {}, "muster-cli/1");
    if (!connected) return std::move(connected).failure();
    if (reply != nullptr) *reply = std::move(connected).value();
    return session;
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
