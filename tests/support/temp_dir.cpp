#include "support/temp_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <string>
#include <system_error>

namespace muster::test {

TempDir::TempDir(std::string_view prefix) {
    std::string pattern = "/tmp/muster-" + std::string(prefix) + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    }
    path_ = pattern;
}

TempDir::~TempDir() {
    remove();
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) {
    other.path_.clear();
}

TempDir& TempDir::operator=(TempDir&& other) noexcept {
    if (this != &other) {
        remove();
        path_ = std::move(other.path_);
        other.path_.clear();
    }
    return *this;
}

void TempDir::remove() {
    if (path_.empty()) return;
    if (std::getenv("MUSTER_KEEP_TEST_DIRS") != nullptr) {
        std::cerr << "[muster] kept test directory " << path_.string() << '\n';
    } else {
        std::error_code ignored;  // a destructor: nothing useful to do on failure
        std::filesystem::remove_all(path_, ignored);
    }
    path_.clear();
}

}  // namespace muster::test
