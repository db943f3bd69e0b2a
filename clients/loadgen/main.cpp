// muster-loadgen: drives a Muster node (or a peer baseline) with WebSocket load and prints
// one JSON line describing the run. Exit status: 0 when the run was correct (nothing missing,
// nothing duplicated, no errors), 1 when it ran but was not, 2 on bad usage.

#include <csignal>
#include <iostream>

#include "loadgen/options.hpp"
#include "loadgen/protocol.hpp"
#include "loadgen/report_line.hpp"
#include "loadgen/scenario.hpp"

int main(int argc, char** argv) {
    using namespace muster::loadgen;
    std::signal(SIGPIPE, SIG_IGN);
    int exit_code = 0;
    const auto options = parse_options(argc, argv, exit_code);
    if (!options) return exit_code;
    const auto protocol = make_protocol(options->protocol, options->encoding);
    if (!protocol) {
        std::cerr << "muster-loadgen: unknown --protocol/--encoding: " << options->protocol << "/"
                  << options->encoding << "\n";
        return 2;
    }
    const auto scenario = make_scenario(*options, *protocol);
    if (!scenario) {
        std::cerr << "muster-loadgen: unknown --scenario: " << options->scenario << "\n";
        return 2;
    }
    const boost::json::object report = scenario->run();
    std::cout << to_line(report) << std::endl;
    return report.at("ok").as_bool() ? 0 : 1;
}
