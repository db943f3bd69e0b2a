// A client that floods pings and never reads what comes back cannot grow the node's memory:
// pongs count against the outbound bound and only the latest ping is answered (RFC 6455
// §5.5.3), and the connection is still closed (here by the connect timeout: no token needed).

#include "net_fixture.hpp"

namespace muster::test {
namespace {

class PingFloodTest : public NetTest {};

constexpr long outbound_bound_bytes = 256 * 1024;

TEST_F(PingFloodTest, pings_never_read_keep_memory_bounded_and_the_client_is_closed) {
    // Texts and history pages small enough for that queue (musterd refuses limits under which
    // an event or a page would not fit).
    start({"--limits.outbound_queue_bytes=" + std::to_string(outbound_bound_bytes),
           "--limits.max_text_bytes=1000", "--limits.history_max_bytes=65536",
           "--meeting.signal_burst=4", "--limits.connect_timeout_s=2",
           "--limits.close_timeout_s=1"});
    const pid_t pid = server().pid();
    const long rss_before_kib = proc_status_kib(pid, "VmRSS");
    ASSERT_GT(rss_before_kib, 0);

    auto socket = raw_ws();
    // 400,000 pings of 125 bytes (52 MB), sent as fast as the node reads them; the answers
    // are never read. Without the bound each pong held ~200 bytes of heap once the socket
    // buffers were full: the node grew by 75-80 MB here.
    std::string burst;
    const std::string ping = RawSocket::masked_frame(0x9, std::string(125, 'p'));
    for (int i = 0; i < 1'000; ++i) burst += ping;
    int sent = 0;
    for (; sent < 400; ++sent) {
        if (!socket->send(burst)) break;  // the node closed it: that is fine too
    }
    EXPECT_GT(sent, 0);

    // The connection ends with a close code (1008: no connect in time; 4000: over the bound).
    bool eof = false;
    const std::string bytes = socket->read_until_eof(default_wait, eof);
    EXPECT_TRUE(eof);
    const std::uint16_t code = RawSocket::close_code_in(bytes);
    EXPECT_TRUE(code == 1008 || code == 4000) << "close code " << code;

    // The peak resident size over the whole flood (VmHWM), against the size before it.
    const long peak_kib = proc_status_kib(pid, "VmHWM");
    const long growth_bytes = (peak_kib - rss_before_kib) * 1024;
    const long slack_bytes = 32L * 1024 * 1024;  // allocator arenas, thread caches, buffers
    std::cout << "[ figures  ] VmRSS before " << rss_before_kib << " KiB, VmHWM after " << peak_kib
              << " KiB\n";
    EXPECT_LT(growth_bytes, 2 * outbound_bound_bytes + slack_bytes)
        << "the node grew by " << growth_bytes / 1024 << " KiB";
}

}  // namespace
}  // namespace muster::test
