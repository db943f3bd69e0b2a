#pragma once
// The last lines of a log file, for failure messages.

#include <cstddef>
#include <filesystem>
#include <string>

namespace muster::test {

std::string read_file(const std::filesystem::path& path);
std::string tail_lines(const std::string& text, std::size_t lines);

}  // namespace muster::test
