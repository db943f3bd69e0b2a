#pragma once
// What muster-cli's subcommands share: option parsing with --help, the token and server
// options of every networked command, and error reporting.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>

#include "muster/client.hpp"

namespace muster::cli {

namespace po = boost::program_options;

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;  // the server refused, or the connection failed
inline constexpr int exit_usage = 2;    // bad command line

// How to mint a token here: the `token` command, or --user on a networked command.
struct TokenOptions {
    std::string user;
    std::string name;
    std::vector<std::string> roles;
    std::vector<std::string> groups;  // only the `token` command offers --group for claims
    std::int64_t ttl_s = 86400;
    std::string secret;  // else MUSTER_JWT_SECRET, else [auth] jwt_secret of --config
    std::string config;

    // --user (only when `with_user`), --name, --role, --ttl, --secret, --config.
    void add_to(po::options_description& options, bool with_user);
};

// The secret, from --secret, MUSTER_JWT_SECRET or the config file, in that order.
client::Outcome<std::string> resolve_secret(const TokenOptions& options);
client::Outcome<std::string> mint(const TokenOptions& options);

// --server, --token, --user (+ TokenOptions), --encoding.
//
// Servers: -s is repeatable and takes comma lists ("-s a:8080,b:8080 -s c:8080"); without it,
// MUSTER_SERVER (also a list), else `listen` under [server] of --config (an address that
// listens everywhere, 0.0.0.0 or [::], is reached on the loopback), else 127.0.0.1:8080.
// Commands try the servers in order and go to the next one when a server cannot be reached
// (connection refused or reset, no WebSocket upgrade, a 502/503/504 from a proxy); an answer
// from a server (an Error, an HTTP error) is final.
struct NetworkOptions {
    std::vector<std::string> servers;  // as given with -s
    std::string token;                 // default: MUSTER_TOKEN
    std::string encoding = "proto";
    TokenOptions minting;

    void add_to(po::options_description& options);
    // Every server to try, in order; a failure when none is usable.
    [[nodiscard]] client::Outcome<std::vector<client::Endpoint>> endpoints() const;
    // `request` (host and port are filled in) to the first server that answers.
    [[nodiscard]] client::Outcome<client::HttpResponse> http(client::HttpRequest request) const;
    // --user mints a fresh token (on each call: a reconnect gets one that is not expired);
    // else --token, else MUSTER_TOKEN. Without any: "" when not `required`, else a failure.
    [[nodiscard]] client::Outcome<std::string> resolve_token(bool required) const;
    // The connect options for `where` (the encoding checked).
    [[nodiscard]] client::Outcome<client::ConnectOptions> connect_options(
        const client::Endpoint& where) const;
};

// Whether a failure to reach a server is worth trying the next one for.
bool unreachable(const client::Failure& failure);

// An options_description that already has --help.
po::options_description make_options(std::string_view caption);

// Parses argv (argv[0] = the command name). Returns an exit code when the command should not
// run (--help printed: 0; a usage error printed: 2), nullopt when it should.
std::optional<int> parse_command_line(int argc, char** argv, const po::options_description& options,
                                      const po::positional_options_description& positional,
                                      std::string_view usage, po::variables_map& values);

// WebSocket open + `connect` with the resolved token.
client::Outcome<client::Session> open_session(const NetworkOptions& options,
                                              v1::ConnectReply* reply = nullptr);

// "muster-cli: <describe>" on stderr; returns exit_failure.
int report(const client::Failure& failure);
int report(std::string_view message);

// One line to stdout, flushed (listeners are read line by line through pipes). False when
// stdout is gone.
bool print_line(std::string_view line);

}  // namespace muster::cli
