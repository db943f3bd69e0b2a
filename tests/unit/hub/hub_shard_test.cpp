#include "hub/hub_shard.hpp"

#include <functional>
#include <vector>

#include <gtest/gtest.h>

namespace muster::hub {
namespace {

struct Recorder : Subscriber {
    std::vector<std::uint64_t> seqs;
    std::function<void()> on_event;
    void on_group_event(const protocol::SharedEvent& event) override {
        seqs.push_back(event->seq());
        if (on_event) on_event();
    }
};

protocol::SharedEvent event(const std::string& group, std::uint64_t seq) {
    return std::make_shared<const protocol::PreparedEvent>(group, seq, make_shared_bytes(""));
}

TEST(HubShard, first_and_last_subscriber_are_reported) {
    HubShard shard;
    Recorder a;
    Recorder b;
    EXPECT_TRUE(shard.add("g", &a));
    EXPECT_FALSE(shard.add("g", &b));
    EXPECT_FALSE(shard.remove("g", &a));
    EXPECT_TRUE(shard.remove("g", &b));
    EXPECT_EQ(shard.subscriber_count("g"), 0U);
}

TEST(HubShard, delivers_only_to_the_events_group) {
    HubShard shard;
    Recorder a;
    Recorder b;
    shard.add("g1", &a);
    shard.add("g2", &b);
    shard.deliver(event("g1", 1));
    EXPECT_EQ(a.seqs, std::vector<std::uint64_t>{1});
    EXPECT_TRUE(b.seqs.empty());
}

TEST(HubShard, subscribers_may_leave_during_delivery) {
    HubShard shard;
    Recorder a;
    Recorder b;
    Recorder c;
    shard.add("g", &a);
    shard.add("g", &b);
    shard.add("g", &c);
    // a removes b and itself while the list is being walked.
    a.on_event = [&] {
        shard.remove("g", &b);
        shard.remove("g", &a);
    };
    shard.deliver(event("g", 1));
    EXPECT_EQ(a.seqs.size(), 1U);
    EXPECT_TRUE(b.seqs.empty() || b.seqs.size() == 1U);  // b may or may not have been reached
    EXPECT_EQ(c.seqs.size(), 1U);
    EXPECT_EQ(shard.subscriber_count("g"), 1U);
    shard.deliver(event("g", 2));
    EXPECT_EQ(c.seqs, (std::vector<std::uint64_t>{1, 2}));
    EXPECT_EQ(a.seqs.size(), 1U);
}

}  // namespace
}  // namespace muster::hub
