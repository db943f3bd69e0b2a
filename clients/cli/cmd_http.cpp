// muster-cli http: one call to the HTTP API, e.g.
//   muster-cli http --user admin --role admin PUT /api/v1/groups/g1 '{"name":"G1"}'

#include <iostream>
#include <iterator>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "muster/codec.hpp"
#include "muster/v1/error.pb.h"

namespace muster::cli {

int run_http(int argc, char** argv) {
    NetworkOptions network;
    std::string method;
    std::string path;
    std::string body;
    std::string content_type;
    bool body_only = false;
    auto options = make_options("muster-cli http");
    options.add_options()("method", po::value(&method)->required(), "GET, PUT, POST, DELETE...")(
        "path", po::value(&path)->required(), "target, e.g. /api/v1/groups/g1")(
        "body", po::value(&body), "request body; - reads it from stdin")(
        "content-type", po::value(&content_type)->default_value("application/json"),
        "content type of the body")("body-only", po::bool_switch(&body_only),
                                    "print only the body (for pipes)");
    network.add_to(options);
    po::positional_options_description positional;
    positional.add("method", 1).add("path", 1).add("body", 1);
    po::variables_map values;
    if (auto exit = parse_command_line(argc, argv, options, positional,
                                       "muster-cli http METHOD PATH [BODY]", values)) {
        return *exit;
    }
    if (body == "-") body.assign(std::istreambuf_iterator<char>(std::cin), {});

    auto token = network.resolve_token(/*required=*/false);  // /healthz needs none
    if (!token) return report(token.failure());
    client::HttpRequest request;
    request.method = method;
    request.target = path;
    request.bearer_token = *token;
    request.body = body;
    request.content_type = content_type;
    auto response = network.http(std::move(request));
    if (!response) return report(response.failure());

    if (!body_only) std::cout << "HTTP " << response->status << '\n';
    std::cout << response->body;
    if (!response->body.empty() && response->body.back() != '\n') std::cout << '\n';
    std::cout.flush();
    if (response->status >= 400) {
        // The contract's error body is {"code","message"}; say it on stderr when it is one.
        v1::Error error;
        if (client::from_json(response->body, error) &&
            error.code() != v1::Error::CODE_UNSPECIFIED) {
            return report(client::Failure::from_error(error));
        }
        return report("HTTP " + std::to_string(response->status));
    }
    return exit_ok;
}

}  // namespace muster::cli
