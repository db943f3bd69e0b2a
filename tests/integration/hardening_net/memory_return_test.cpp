// After a burst the node gives its memory back: a crowd of connections each holding a large
// incomplete frame grows the resident size by tens of MB; once they leave, it comes back down
// (musterd's allocator returns unused pages from a background thread; glibc's malloc kept the
// whole peak). Awaited by polling /proc with a generous deadline, never a fixed sleep.

#include "net_fixture.hpp"
#include "support/sanitizers.hpp"

namespace muster::test {
namespace {

class MemoryReturnTest : public NetTest {};

TEST_F(MemoryReturnTest, resident_size_comes_back_down_after_a_burst_leaves) {
    // What this test measures is jemalloc's, in the normal build.
    if (under_asan) GTEST_SKIP() << "ASan's allocator quarantines freed memory";
    start({"--limits.connect_timeout_s=120"});
    const pid_t pid = server().pid();
    const long base_kib = proc_status_kib(pid, "VmRSS");
    ASSERT_GT(base_kib, 0);

    // 300 connections, each 60,000 bytes into a 64,000-byte frame: the node holds each
    // incomplete frame (18 MB in all) until the rest comes, or the client goes.
    constexpr int connections = 300;
    std::string partial;
    partial += static_cast<char>(0x82);
    partial += static_cast<char>(0x80 | 126);
    partial += static_cast<char>(64000 >> 8);
    partial += static_cast<char>(64000 & 0xFF);
    partial.append(4, '\0');
    partial.append(60000, 'x');
    std::vector<std::unique_ptr<RawSocket>> crowd;
    for (int i = 0; i < connections; ++i) {
        crowd.push_back(raw_ws());
        ASSERT_TRUE(crowd.back()->send(partial));
    }
    const long burst_kib = 12 * 1024;
    const long peak_kib = await_rss(
        pid, [&](long rss) { return rss >= base_kib + burst_kib; }, default_wait);
    ASSERT_GE(peak_kib, base_kib + burst_kib) << "the burst did not happen";

    crowd.clear();  // everybody leaves
    const long bound_kib = base_kib + 6 * 1024;
    const long after_kib = await_rss(
        pid, [&](long rss) { return rss <= bound_kib; }, std::chrono::seconds(30));
    std::cout << "[ figures  ] VmRSS base " << base_kib << " KiB, burst " << peak_kib
              << " KiB, after leaving " << after_kib << " KiB\n";
    EXPECT_LE(after_kib, bound_kib);
}

}  // namespace
}  // namespace muster::test
