// muster-cli invite and sessions: invitations to sign in, and signed-in devices.
//   muster-cli invite create --group G [--role member|coordinator] [--uses N]
//       [--expires 7d] [--note TEXT] [--qr] [--json]
//   muster-cli invite list --group G [--json]
//   muster-cli invite revoke ID
//   muster-cli sessions list [--of USER] [--json]
//   muster-cli sessions revoke ID
// All of them call the HTTP API of docs/PROTOCOL.md ("Sign-in"). --qr prints the link as a QR
// code in the terminal (libqrencode, half-block characters), for a phone to scan off the screen.

#include <iostream>

#include <boost/json.hpp>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "core/qr_code.hpp"
#include "muster/codec.hpp"
#include "muster/http.hpp"
#include "muster/v1/error.pb.h"

namespace muster::cli {

namespace {

namespace json = boost::json;

// One call with the resolved token; an error status is a failure (its message on stderr).
client::Outcome<client::HttpResponse> call(const NetworkOptions& network, const std::string& method,
                                           const std::string& target,
                                           const std::string& body = {}) {
    auto token = network.resolve_token(/*required=*/true);
    if (!token) return std::move(token).failure();
    client::HttpRequest request;
    request.method = method;
    request.target = target;
    request.bearer_token = *token;
    request.body = body;
    auto response = network.http(std::move(request));  // the first server that answers
    if (!response) return response;
    if (response->status >= 400) {
        v1::Error error;
        if (client::from_json(response->body, error) &&
            error.code() != v1::Error::CODE_UNSPECIFIED) {
            return client::Failure::from_error(error);
        }
        return client::Failure::make(client::Failure::Kind::io,
                                     "HTTP " + std::to_string(response->status));
    }
    return response;
}

std::string text(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr) return {};
    if (v->is_string()) return std::string(v->as_string());
    return json::serialize(*v);
}

// "7d", "12h", "90m", "3600s" or plain seconds; 0 when it is none of these.
std::int64_t parse_duration_s(const std::string& value) {
    if (value.empty()) return 0;
    std::int64_t scale = 1;
    std::string digits = value;
    switch (value.back()) {
        case 'd':
            scale = 86400;
            digits.pop_back();
            break;
        case 'h':
            scale = 3600;
            digits.pop_back();
            break;
        case 'm':
            scale = 60;
            digits.pop_back();
            break;
        case 's':
            digits.pop_back();
            break;
        default:
            break;
    }
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return 0;
    try {
        return std::stoll(digits) * scale;
    } catch (const std::exception&) {
        return 0;
    }
}

std::string describe_invitation(const json::object& i) {
    std::string line = text(i, "id") + "  " + text(i, "group") + "  " + text(i, "role") + "  " +
                       text(i, "uses") + "/" + text(i, "maxUses") + " used  expires " +
                       text(i, "expiresAtMs");
    if (text(i, "revoked") == "true") line += "  REVOKED";
    if (!text(i, "note").empty()) line += "  \"" + text(i, "note") + "\"";
    return line;
}

int invite_create(int argc, char** argv) {
    NetworkOptions network;
    std::string group;
    std::string role;
    unsigned uses = 1;
    std::string expires;
    std::string note;
    bool qr = false;
    bool as_json = false;
    auto options = make_options("muster-cli invite create");
    options.add_options()("group", po::value(&group)->required(), "the group to join")(
        "role", po::value(&role)->default_value("member"), "member or coordinator")(
        "uses", po::value(&uses)->default_value(1), "how many people may use it")(
        "expires", po::value(&expires)->default_value("7d"), "lifetime: 7d, 12h, 90m, 3600s")(
        "note", po::value(&note), "for coordinators, e.g. \"重华 门岗志愿者\"")(
        "qr", po::bool_switch(&qr), "print the link as a QR code too")(
        "json", po::bool_switch(&as_json), "print the server's JSON");
    network.add_to(options);
    po::variables_map values;
    if (auto exit = parse_command_line(argc, argv, options, {},
                                       "muster-cli invite create --group G", values)) {
        return *exit;
    }
    const std::int64_t expires_s = parse_duration_s(expires);
    if (expires_s <= 0) return report("--expires: a duration such as 7d, 12h or 90m");
    const json::object body{{"group", group},
                            {"role", role},
                            {"maxUses", uses},
                            {"expiresInS", expires_s},
                            {"note", note}};
    auto response = call(network, "POST", "/api/v1/invitations", json::serialize(body));
    if (!response) return report(response.failure());
    if (as_json) {
        std::cout << response->body << '\n';
        return exit_ok;
    }
    boost::system::error_code ec;
    const json::value parsed = json::parse(response->body, ec);
    if (ec || !parsed.is_object() || !parsed.as_object().contains("invitation"))
        return report("unexpected answer: " + response->body);
    const auto& invitation = parsed.as_object().at("invitation").as_object();
    const std::string url = text(invitation, "url");
    std::cout << describe_invitation(invitation) << '\n' << url << '\n';
    if (qr) {
        auto code = qr_encode(url);
        if (!code) return report(code.status().message());
        std::cout << qr_terminal(*code);
    }
    return exit_ok;
}

int invite_list(int argc, char** argv) {
    NetworkOptions network;
    std::string group;
    bool as_json = false;
    auto options = make_options("muster-cli invite list");
    options.add_options()("group", po::value(&group)->required(), "the group")(
        "json", po::bool_switch(&as_json), "print the server's JSON");
    network.add_to(options);
    po::variables_map values;
    if (auto exit = parse_command_line(argc, argv, options, {}, "muster-cli invite list --group G",
                                       values)) {
        return *exit;
    }
    auto response = call(network, "GET", "/api/v1/invitations?group=" + group);
    if (!response) return report(response.failure());
    if (as_json) {
        std::cout << response->body << '\n';
        return exit_ok;
    }
    boost::system::error_code ec;
    const json::value parsed = json::parse(response->body, ec);
    if (ec || !parsed.is_object()) return report("unexpected answer: " + response->body);
    for (const auto& item : parsed.as_object().at("invitations").as_array()) {
        std::cout << describe_invitation(item.as_object()) << '\n';
    }
    return exit_ok;
}

// "revoke ID" for invitations and sessions alike.
int revoke(int argc, char** argv, const char* what, const std::string& prefix) {
    NetworkOptions network;
    std::string id;
    auto options = make_options(std::string("muster-cli ") + what + " revoke");
    options.add_options()("id", po::value(&id)->required(), "what to revoke");
    network.add_to(options);
    po::positional_options_description positional;
    positional.add("id", 1);
    po::variables_map values;
    if (auto exit = parse_command_line(argc, argv, options, positional,
                                       std::string("muster-cli ") + what + " revoke ID", values)) {
        return *exit;
    }
    auto response = call(network, "DELETE", prefix + id);
    if (!response) return report(response.failure());
    std::cout << "revoked " << id << '\n';
    return exit_ok;
}

int sessions_list(int argc, char** argv) {
    NetworkOptions network;
    std::string of;
    bool as_json = false;
    auto options = make_options("muster-cli sessions list");
    options.add_options()("of", po::value(&of), "whose devices (default: the token's user)")(
        "json", po::bool_switch(&as_json), "print the server's JSON");
    network.add_to(options);
    po::variables_map values;
    if (auto exit = parse_command_line(argc, argv, options, {},
                                       "muster-cli sessions list [--of USER]", values)) {
        return *exit;
    }
    auto response = call(network, "GET",
                         "/api/v1/auth/sessions" + (of.empty() ? std::string() : "?user=" + of));
    if (!response) return report(response.failure());
    if (as_json) {
        std::cout << response->body << '\n';
        return exit_ok;
    }
    boost::system::error_code ec;
    const json::value parsed = json::parse(response->body, ec);
    if (ec || !parsed.is_object()) return report("unexpected answer: " + response->body);
    for (const auto& item : parsed.as_object().at("sessions").as_array()) {
        const auto& s = item.as_object();
        std::cout << text(s, "id") << "  " << text(s, "user") << "  \"" << text(s, "deviceName")
                  << "\"  created " << text(s, "createdAtMs") << "  last seen "
                  << text(s, "lastSeenMs") << '\n';
    }
    return exit_ok;
}

int dispatch(int argc, char** argv, const char* command, const char* usage,
             int (*create_or_list)(int, char**), int (*list)(int, char**),
             const std::string& revoke_prefix) {
    if (argc < 2) {
        std::cerr << usage;
        return exit_usage;
    }
    const std::string sub = argv[1];
    if (sub == "--help" || sub == "-h") {
        std::cout << usage;
        return exit_ok;
    }
    if (sub == "create" && create_or_list != nullptr) return create_or_list(argc - 1, argv + 1);
    if (sub == "list") return list(argc - 1, argv + 1);
    if (sub == "revoke") return revoke(argc - 1, argv + 1, command, revoke_prefix);
    std::cerr << "muster-cli " << command << ": unknown subcommand '" << sub << "'\n" << usage;
    return exit_usage;
}

}  // namespace

int run_invite(int argc, char** argv) {
    return dispatch(argc, argv, "invite",
                    "usage: muster-cli invite create|list|revoke [options]   "
                    "(muster-cli invite <sub> --help)\n",
                    invite_create, invite_list, "/api/v1/invitations/");
}

int run_sessions(int argc, char** argv) {
    return dispatch(argc, argv, "sessions",
                    "usage: muster-cli sessions list|revoke [options]   "
                    "(muster-cli sessions <sub> --help)\n",
                    nullptr, sessions_list, "/api/v1/auth/sessions/");
}

}  // namespace muster::cli
