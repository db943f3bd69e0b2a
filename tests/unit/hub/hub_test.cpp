// The Hub with a bus whose subscriptions complete when the test says so (as Redis does, a
// round trip later): subscribers wait for the bus, one bus subscription serves a group however
// many subscribe meanwhile, leaving before it completes unsubscribes the bus afterwards, and a
// failed subscription is retried by the next subscriber. The loops are run by the test (poll).

#include "hub/hub.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "bus/bus.hpp"
#include "net/loop.hpp"

namespace muster::hub {
namespace {

// Subscriptions complete only when complete() is called.
class LateBus final : public bus::Bus {
  public:
    void set_handler(bus::BusHandler* /*handler*/) override {}
    void subscribe(std::string group, Done<Unit> done) override {
        pending.emplace_back(std::move(group), std::move(done));
    }
    void unsubscribe(std::string group) override { unsubscribed.push_back(std::move(group)); }
    void publish_transient(std::string /*group*/, SharedBytes /*event*/) override {}
    void publish_control(SharedBytes /*message*/) override {}
    [[nodiscard]] bool healthy() const override { return true; }

    // Completes the oldest pending subscription.
    void complete(Status status = {}) {
        ASSERT_FALSE(pending.empty()) << "no bus subscription pending";
        auto [group, done] = std::move(pending.front());
        pending.erase(pending.begin());
        if (status.ok()) {
            done(Unit{});
        } else {
            done(std::move(status));
        }
    }

    std::vector<std::pair<std::string, Done<Unit>>> pending;
    std::vector<std::string> unsubscribed;
};

struct Recorder : Subscriber {
    std::vector<std::uint64_t> seqs;
    void on_group_event(const protocol::SharedEvent& event) override {
        seqs.push_back(event->seq());
    }
};

// What a subscriber's `active` callback saw, and on which loop.
struct Activation {
    int calls = 0;
    Status status = Status(errc::internal, "never called");
};

class HubWithLateBus : public ::testing::Test {
  protected:
    void run_loops() {
        for (auto* loop : {&loop0_, &loop1_}) {
            loop->io().restart();
            loop->io().poll();
        }
    }
    std::function<void(Status)> record(Activation& a) {
        return [&a](Status s) {
            ++a.calls;
            a.status = std::move(s);
        };
    }

    net::Loop loop0_{0};
    net::Loop loop1_{1};
    LateBus bus_;
    Hub hub_{{&loop0_, &loop1_}, bus_};
};

TEST_F(HubWithLateBus, subscribers_wait_for_the_bus_and_share_one_bus_subscription) {
    Recorder a;
    Recorder b;
    Activation got_a;
    Activation got_b;
    hub_.subscribe(loop0_, "g", &a, record(got_a));
    hub_.subscribe(loop1_, "g", &b, record(got_b));
    run_loops();
    EXPECT_EQ(bus_.pending.size(), 1U) << "one bus subscription per group";
    EXPECT_EQ(got_a.calls, 0) << "active before the bus delivers the group";
    EXPECT_EQ(got_b.calls, 0);

    bus_.complete();
    EXPECT_EQ(got_a.calls, 0) << "active must run on the subscriber's loop, not the bus thread";
    run_loops();
    EXPECT_EQ(got_a.calls, 1);
    EXPECT_TRUE(got_a.status.ok());
    EXPECT_EQ(got_b.calls, 1);
    EXPECT_TRUE(got_b.status.ok());

    // Live now: a later subscriber is active at once, without the bus.
    Recorder c;
    Activation got_c;
    hub_.subscribe(loop0_, "g", &c, record(got_c));
    EXPECT_EQ(got_c.calls, 1);
    EXPECT_TRUE(bus_.pending.empty());

    hub_.dispatch("g", 7, make_shared_bytes(""));
    run_loops();
    EXPECT_EQ(a.seqs, std::vector<std::uint64_t>{7});
    EXPECT_EQ(b.seqs, std::vector<std::uint64_t>{7});
    EXPECT_EQ(c.seqs, std::vector<std::uint64_t>{7});
}

TEST_F(HubWithLateBus, everyone_leaving_before_the_bus_answers_unsubscribes_it_afterwards) {
    Recorder a;
    Activation got_a;
    hub_.subscribe(loop0_, "g", &a, record(got_a));
    hub_.unsubscribe(loop0_, "g", &a);
    EXPECT_TRUE(bus_.unsubscribed.empty()) << "nothing to unsubscribe yet";
    bus_.complete();
    run_loops();
    EXPECT_EQ(bus_.unsubscribed, std::vector<std::string>{"g"})
        << "a bus subscription nobody wants was left behind";
    EXPECT_EQ(got_a.calls, 0) << "a subscriber that left was activated";
    EXPECT_EQ(hub_.group_count(), 0U);
}

TEST_F(HubWithLateBus, leaving_and_coming_back_before_the_bus_answers_keeps_the_group) {
    Recorder a;
    Recorder b;
    Activation got_a;
    Activation got_b;
    hub_.subscribe(loop0_, "g", &a, record(got_a));
    hub_.unsubscribe(loop0_, "g", &a);
    hub_.subscribe(loop1_, "g", &b, record(got_b));
    bus_.complete();  // the first subscription's answer
    run_loops();
    EXPECT_TRUE(bus_.unsubscribed.empty()) << "unsubscribed a group that has a subscriber";
    EXPECT_EQ(got_b.calls, 1);
    EXPECT_TRUE(got_b.status.ok());
    while (!bus_.pending.empty()) bus_.complete();  // a second, idempotent one if it was sent
    run_loops();
    EXPECT_EQ(got_b.calls, 1) << "activated twice";
    hub_.dispatch("g", 3, make_shared_bytes(""));
    run_loops();
    EXPECT_EQ(b.seqs, std::vector<std::uint64_t>{3});
    EXPECT_TRUE(a.seqs.empty());
}

TEST_F(HubWithLateBus, a_failed_bus_subscription_is_reported_and_retried_by_the_next) {
    Recorder a;
    Activation got_a;
    hub_.subscribe(loop0_, "g", &a, record(got_a));
    bus_.complete(Status(errc::unavailable, "redis down"));
    run_loops();
    ASSERT_EQ(got_a.calls, 1);
    EXPECT_EQ(got_a.status.code(), errc::unavailable);
    hub_.unsubscribe(loop0_, "g", &a);  // what the failed subscriber does
    EXPECT_TRUE(bus_.unsubscribed.empty()) << "unsubscribed a bus subscription that never was";

    Recorder b;
    Activation got_b;
    hub_.subscribe(loop0_, "g", &b, record(got_b));
    ASSERT_EQ(bus_.pending.size(), 1U) << "the next subscriber must subscribe the bus again";
    bus_.complete();
    run_loops();
    EXPECT_EQ(got_b.calls, 1);
    EXPECT_TRUE(got_b.status.ok());
}

}  // namespace
}  // namespace muster::hub
