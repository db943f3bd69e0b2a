#include "support/log_tail.hpp"

#include <fstream>
#include <iterator>

namespace muster::test {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string tail_lines(const std::string& text, std::size_t lines) {
    std::size_t start = text.size();
    if (start > 0 && text[start - 1] == '\n') --start;
    for (std::size_t found = 0; start > 0; --start) {
        if (text[start - 1] == '\n' && ++found == lines) break;
    }
    return text.substr(start);
}

}  // namespace muster::test
