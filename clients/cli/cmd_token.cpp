// muster-cli token: mint an HS256 token, e.g. for MUSTER_TOKEN or a browser client.

#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"

namespace muster::cli {

int run_token(int argc, char** argv) {
    TokenOptions token;
    auto options = make_options("muster-cli token");
    token.add_to(options, /*with_user=*/false);
    options.add_options()("user,u", po::value(&token.user)->required(), "user id (sub claim)")(
        "group,g", po::value(&token.groups)->composing(), "groups claim, repeatable");
    po::variables_map values;
    if (auto exit = parse_command_line(argc, argv, options, {},
                                       "muster-cli token --user U [--name N] [--role R]... "
                                       "[--group G]... [--ttl SECONDS] [--secret S | --config F]",
                                       values)) {
        return *exit;
    }
    auto minted = mint(token);
    if (!minted) return report(minted.failure());
    std::cout << *minted << std::endl;
    return exit_ok;
}

}  // namespace muster::cli
