// muster-cli history: one page of a group's log, oldest first.

#include <cstdio>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/format.hpp"

namespace muster::cli {

int run_history(int argc, char** argv) {
    NetworkOptions network;
    std::string group;
    std::uint32_t limit = 0;
    bool json = false;
    auto options = make_options("muster-cli history");
    options.add_options()("group,g", po::value(&group)->required(), "group to read")(
        "after", po::value<std::uint64_t>(), "events with seq > N, oldest first")(
        "before", po::value<std::uint64_t>(), "events with seq < N (the page just before N)")(
        "limit", po::value(&limit)->default_value(0), "page size (0 = the server's default)")(
        "json", po::bool_switch(&json), "one canonical-JSON Event per line");
    network.add_to(options);
    po::variables_map values;
    if (auto exit = parse_command_line(
            argc, argv, options, {},
            "muster-cli history --group G [--after N | --before N] [--limit L] [--json]", values)) {
        return *exit;
    }
    std::optional<std::uint64_t> after;
    std::optional<std::uint64_t> before;
    if (values.count("after")) after = values["after"].as<std::uint64_t>();
    if (values.count("before")) before = values["before"].as<std::uint64_t>();
    if (after && before) {
        report("--after and --before exclude each other");
        return exit_usage;
    }

    auto session = open_session(network);
    if (!session) return report(session.failure());
    auto reply = session->history(group, after, before, limit);
    if (!reply) return report(reply.failure());
    for (const auto& event : reply->events()) {
        if (!print_line(json ? format_event_json(event) : format_event(event))) break;
    }
    // A page cut to the server's byte bound says where the next one starts.
    if (reply->more() && !json) {
        std::fprintf(stderr, "more: continue with --%s %llu\n", after ? "after" : "before",
                     static_cast<unsigned long long>(reply->next_seq()));
    }
    (void)session->connection().close();
    return exit_ok;
}

}  // namespace muster::cli
