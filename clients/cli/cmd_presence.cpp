// muster-cli presence: who is online in a group now.

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "muster/codec.hpp"

namespace muster::cli {

int run_presence(int argc, char** argv) {
    NetworkOptions network;
    std::string group;
    bool json = false;
    auto options = make_options("muster-cli presence");
    options.add_options()("group,g", po::value(&group)->required(), "group to look at")(
        "json", po::bool_switch(&json), "print the PresenceReply as canonical JSON");
    network.add_to(options);
    po::variables_map values;
    if (auto exit = parse_command_line(argc, argv, options, {},
                                       "muster-cli presence --group G [--json]", values)) {
        return *exit;
    }
    auto session = open_session(network);
    if (!session) return report(session.failure());
    auto reply = session->presence(group);
    if (!reply) return report(reply.failure());
    if (json) {
        print_line(client::to_json(*reply));
    } else {
        for (const auto& user : reply->users()) {
            print_line(user.user_id() + (user.name().empty() ? "" : "\t" + user.name()));
        }
    }
    (void)session->connection().close();
    return exit_ok;
}

}  // namespace muster::cli
