// muster-cli: a command-line client of musterd. `muster-cli <command> --help` for each command.

#include <csignal>
#include <cstdio>
#include <string_view>

#include "cli/commands.hpp"

namespace {

struct Command {
    std::string_view name;
    std::string_view summary;
    int (*run)(int argc, char** argv);
};

// New subcommands (duty, meeting, ...) get one row here.
constexpr Command commands[] = {
    {"token", "print an HS256 token for a user", muster::cli::run_token},
    {"send", "publish a chat message to a group", muster::cli::run_send},
    {"listen", "print a group's events as they come, reconnecting as needed",
     muster::cli::run_listen},
    {"history", "print a page of a group's log", muster::cli::run_history},
    {"presence", "print who is online in a group", muster::cli::run_presence},
    {"http", "call the HTTP API and print the status and body", muster::cli::run_http},
    {"duty", "create, answer, close, show and list duty calls", muster::cli::run_duty},
    {"meeting", "schedule, run, join a meeting; print its attendance report",
     muster::cli::run_meeting},
    {"invite", "create, list and revoke invitation links (--qr: as a QR code)",
     muster::cli::run_invite},
    {"sessions", "list and revoke signed-in devices", muster::cli::run_sessions},
    {"push", "make a VAPID key pair for Web Push (push vapid-keys)", muster::cli::run_push},
};

void usage(std::FILE* out) {
    std::fputs(
        "usage: muster-cli <command> [options]   (muster-cli <command> --help)\n\ncommands:\n",
        out);
    for (const auto& command : commands) {
        std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(command.name.size()),
                     command.name.data(), static_cast<int>(command.summary.size()),
                     command.summary.data());
    }
    std::fputs("\nenvironment: MUSTER_SERVER (host:port), MUSTER_TOKEN, MUSTER_JWT_SECRET\n", out);
}

}  // namespace

int main(int argc, char** argv) {
    // A closed stdout (muster-cli listen | head) shows up as a failed fflush, not a signal.
    std::signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const std::string_view name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") {
        usage(stdout);
        return 0;
    }
    for (const auto& command : commands) {
        if (command.name == name) return command.run(argc - 1, argv + 1);
    }
    std::fprintf(stderr, "muster-cli: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
