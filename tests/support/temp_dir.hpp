#pragma once
// A fresh directory under /tmp for one test (a data dir, a redis dir), removed with everything
// in it when the TempDir goes, unless MUSTER_KEEP_TEST_DIRS is set (then its path is printed,
// to look at a failed test's logs).

#include <filesystem>
#include <string_view>

namespace muster::test {

class TempDir {
  public:
    // /tmp/muster-<prefix>-XXXXXX. Throws std::system_error when /tmp is unusable.
    explicit TempDir(std::string_view prefix = "test");
    ~TempDir();
    TempDir(TempDir&& other) noexcept;
    TempDir& operator=(TempDir&& other) noexcept;
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  private:
    void remove();
    std::filesystem::path path_;
};

}  // namespace muster::test
