#include "net/admission.hpp"

#include <functional>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

namespace muster::net {
namespace {

using boost::asio::ip::make_address;

// A ticket whose eviction is recorded (the post runs the close at once, as the loop would).
std::shared_ptr<Admission::Ticket> admitted(Admission& admission, std::vector<int>& closed, int n,
                                            const char* peer = "10.0.0.1") {
    std::shared_ptr<Admission::Ticket> ticket;
    if (admission.admit(make_address(peer), ticket) != Admission::Verdict::admitted) return nullptr;
    ticket->on_evict([](std::function<void()> fn) { fn(); }, [&closed, n] { closed.push_back(n); });
    return ticket;
}

TEST(Admission, at_the_cap_the_longest_idle_is_evicted_first) {
    Admission admission({.max_pending = 3, .connection_burst_per_ip = 1000});
    std::vector<int> closed;
    auto a = admitted(admission, closed, 1);
    auto b = admitted(admission, closed, 2);
    auto c = admitted(admission, closed, 3);
    a->busy();  // serving a request: not evictable
    auto d = admitted(admission, closed, 4);
    ASSERT_TRUE(d);
    EXPECT_EQ(closed, std::vector<int>{2});
    b->busy();  // the evicted one's session may still run: it no longer counts
    a->idle();  // idle again: now the youngest idle
    auto e = admitted(admission, closed, 5);
    EXPECT_EQ(closed, (std::vector<int>{2, 3}));
    EXPECT_EQ(admission.pending(), 3U);
}

TEST(Admission, full_when_nobody_is_idle_and_places_come_back) {
    Admission admission({.max_pending = 2, .connection_burst_per_ip = 1000});
    std::vector<int> closed;
    auto a = admitted(admission, closed, 1);
    auto b = admitted(admission, closed, 2);
    a->busy();
    b->busy();
    std::shared_ptr<Admission::Ticket> none;
    EXPECT_EQ(admission.admit(make_address("10.0.0.2"), none), Admission::Verdict::full);
    a.reset();  // session over (or upgraded)
    EXPECT_EQ(admission.pending(), 1U);
    EXPECT_TRUE(admitted(admission, closed, 3));
    EXPECT_TRUE(closed.empty());
}

TEST(Admission, evicted_before_its_session_started_closes_at_once) {
    Admission admission({.max_pending = 1, .connection_burst_per_ip = 1000});
    std::shared_ptr<Admission::Ticket> first;
    ASSERT_EQ(admission.admit(make_address("10.0.0.1"), first), Admission::Verdict::admitted);
    std::vector<int> closed;
    auto second = admitted(admission, closed, 2);
    ASSERT_TRUE(second);
    bool first_closed = false;
    first->on_evict([](std::function<void()> fn) { fn(); },
                    [&first_closed] { first_closed = true; });
    EXPECT_TRUE(first_closed);
    first.reset();
    EXPECT_EQ(admission.pending(), 1U);
}

TEST(Admission, rates_are_per_address_and_loopback_is_exempt_by_default) {
    Admission admission({.max_pending = 100,
                         .connections_per_ip_per_s = 0.001,
                         .connection_burst_per_ip = 2,
                         .handshakes_per_ip_per_s = 0.001,
                         .handshake_burst_per_ip = 1});
    std::vector<int> closed;
    std::vector<std::shared_ptr<Admission::Ticket>> held;
    held.push_back(admitted(admission, closed, 1, "10.0.0.1"));
    held.push_back(admitted(admission, closed, 2, "10.0.0.1"));
    std::shared_ptr<Admission::Ticket> none;
    EXPECT_EQ(admission.admit(make_address("10.0.0.1"), none), Admission::Verdict::rate_limited);
    EXPECT_TRUE(admitted(admission, closed, 3, "10.0.0.2"));  // another address
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(admitted(admission, closed, 4, "127.0.0.1"));
    EXPECT_TRUE(admission.allow_handshake(make_address("2001:db8::1")));
    EXPECT_FALSE(admission.allow_handshake(make_address("2001:db8::1")));
    EXPECT_TRUE(admission.allow_handshake(make_address("::1")));
    EXPECT_TRUE(admission.allow_handshake(make_address("::1")));
}

}  // namespace
}  // namespace muster::net
