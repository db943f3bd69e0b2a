// muster-cli send: publish one chat message and print the seq it got.

#include "cli/commands.hpp"
#include "cli/common.hpp"

namespace muster::cli {

int run_send(int argc, char** argv) {
    NetworkOptions network;
    std::string group;
    std::string meeting;
    std::string client_msg_id;
    std::vector<std::string> words;
    auto options = make_options("muster-cli send");
    options.add_options()("group,g", po::value(&group)->required(), "group to publish to")(
        "meeting", po::value(&meeting), "meeting id, for in-session chat")(
        "id", po::value(&client_msg_id), "client_msg_id: sending the same id again is a no-op")(
        "text", po::value(&words)->required(), "the message (the remaining arguments)");
    network.add_to(options);
    po::positional_options_description positional;
    positional.add("text", -1);
    po::variables_map values;
    if (auto exit =
            parse_command_line(argc, argv, options, positional,
                               "muster-cli send --group G [--meeting M] [--id ID] TEXT", values)) {
        return *exit;
    }
    std::string text;
    for (const auto& word : words) text += (text.empty() ? "" : " ") + word;

    auto session = open_session(network);
    if (!session) return report(session.failure());
    auto reply = session->publish(group, text, client_msg_id, meeting);
    if (!reply) return report(reply.failure());
    print_line("seq " + std::to_string(reply->seq()) + (reply->duplicate() ? " (duplicate)" : ""));
    (void)session->connection().close();
    return exit_ok;
}

}  // namespace muster::cli
