#pragma once
// Runs muster-loadgen against a test's musterd and reads its report: the smoke tests of the
// benchmark scenarios (bench/) at tiny sizes. They check correctness only (nothing missing,
// nothing duplicated, no errors, the JSON line parses), never timing: this machine's
// timings are what bench/run.sh measures, not what a test may assert.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "support/harness.hpp"

namespace muster::test {

// The musterd options the bench overrides too (bench/run.sh): publishers send far more than
// the default 50 commands per second on one connection, and connections share user ids.
inline ServerOptions bench_server_options() {
    ServerOptions options;
    options.args = {"--limits.commands_per_second=1000000", "--limits.command_burst=1000000",
                    "--limits.max_connections_per_user=1000"};
    return options;
}

struct LoadgenReport {
    ExitStatus status;
    boost::json::object report;

    [[nodiscard]] std::uint64_t count(std::string_view key) const {
        const auto* value = report.if_contains(key);
        return value != nullptr && value->is_number() ? value->to_number<std::uint64_t>() : 0;
    }
};

// muster-loadgen --server=<server> --secret=<its secret> --server-pid=<its pid> ARGS...;
// ends the test when it prints no JSON line or does not exit in time.
inline LoadgenReport run_loadgen(const ServerProcess& server, const std::vector<std::string>& args,
                                 std::source_location where = std::source_location::current()) {
    SpawnSpec spec;
    spec.program = bin_path("muster-loadgen").string();
    spec.args = {"--server=" + server.endpoint(), "--secret=" + server.jwt_secret(),
                 "--server-pid=" + std::to_string(server.pid()), "--timeout=60"};
    spec.args.insert(spec.args.end(), args.begin(), args.end());
    ChildProcess loadgen;
    std::string error;
    if (!loadgen.spawn(spec, error)) fail_test("cannot start muster-loadgen: " + error, where);
    std::string why;
    const auto line = loadgen.wait_for_line([](std::string_view l) { return l.starts_with("{"); },
                                            std::chrono::seconds(90), &why);
    if (!line)
        fail_test("muster-loadgen printed no report (" + why + "):\n" + loadgen.output(), where);
    const auto status = loadgen.wait(std::chrono::seconds(30));
    if (!status) fail_test("muster-loadgen did not exit after its report", where);
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(*line, ec);
    if (ec || !value.is_object()) fail_test("the report is not a JSON object: " + *line, where);
    return LoadgenReport{*status, std::move(value.as_object())};
}

// The checks every scenario shares: a clean exit, "ok", no errors, nothing missing or
// duplicated.
inline void expect_correct(const LoadgenReport& run,
                           std::source_location where = std::source_location::current()) {
    const std::string report = boost::json::serialize(run.report);
    const std::string at =
        std::string(" (") + where.file_name() + ":" + std::to_string(where.line()) + ")\n";
    EXPECT_TRUE(run.status.clean()) << run.status.describe() << at << report;
    EXPECT_EQ(run.report.contains("ok") && run.report.at("ok").as_bool(), true) << at << report;
    EXPECT_EQ(run.count("errors"), 0u) << at << report;
    EXPECT_EQ(run.count("missing"), 0u) << at << report;
    EXPECT_EQ(run.count("duplicates"), 0u) << at << report;
}

}  // namespace muster::test
