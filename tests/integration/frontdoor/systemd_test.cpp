// deploy/systemd/musterd.service as shipped passes `systemd-analyze verify` with nothing at all
// on stderr: systemd only warns (exit 0) about unknown keys, typos and bad values, so the exit
// code alone would let them through.
//
// The verification runs against a scratch root (--root) that holds the system's own units, the
// unit file at /etc/systemd/system/musterd.service and the built musterd at
// /usr/local/bin/musterd, where deploy/README.md installs them: systemd checks that ExecStart is
// an executable, and nothing is installed on the machine running the test.

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "support/harness.hpp"

namespace muster::test {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(SystemdUnit, the_shipped_unit_verifies_without_a_word_on_stderr) {
    const fs::path analyze = find_in_path("systemd-analyze");
    ASSERT_FALSE(analyze.empty()) << "systemd-analyze is not installed (package systemd)";
    const fs::path system_units = "/usr/lib/systemd/system";
    ASSERT_TRUE(fs::is_directory(system_units)) << system_units;

    TempDir root("systemd-root");
    const fs::path r = root.path();
    fs::create_directories(r / "usr/lib/systemd");
    fs::copy(system_units, r / "usr/lib/systemd/system",
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    fs::create_directories(r / "etc/systemd/system");
    const fs::path unit = r / "etc/systemd/system/musterd.service";
    fs::copy_file(fs::path(MUSTER_SOURCE_DIR) / "deploy/systemd/musterd.service", unit);
    fs::create_directories(r / "usr/local/bin");
    // The built binary (a hard link when /tmp allows it: it is large with debug information).
    std::error_code linked;
    fs::create_hard_link(bin_path("musterd"), r / "usr/local/bin/musterd", linked);
    if (linked) fs::copy_file(bin_path("musterd"), r / "usr/local/bin/musterd");

    ChildProcess verify;
    SpawnSpec spec;
    spec.program = analyze.string();
    spec.args = {"verify", "--root=" + r.string(), unit.string()};
    spec.stderr_path = r / "verify.stderr";
    std::string error;
    ASSERT_TRUE(verify.spawn(spec, error)) << error;
    const auto exit = verify.wait(default_wait);
    ASSERT_TRUE(exit.has_value());
    const std::string complaints = read_file(spec.stderr_path);
    EXPECT_TRUE(exit->clean()) << exit->describe() << "\n" << complaints;
    EXPECT_EQ(complaints, "") << "systemd-analyze verify said something about the unit";
    EXPECT_EQ(verify.output(), "");
}

}  // namespace
}  // namespace muster::test
