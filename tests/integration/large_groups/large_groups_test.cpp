// Large groups: above presence.list_max_members users online, subscribers get PresenceCount
// instead of per-user notices, and `presence` pages through who is online. Small groups keep
// their per-user notices. The threshold is 3 here so that a handful of clients make a large
// group; both backends, and two nodes on one Redis for counts across nodes.

#include <algorithm>
#include <set>

#include "../redis/cluster_fixture.hpp"
#include "support/backend.hpp"
#include "support/harness.hpp"

namespace muster::test {
namespace {

namespace v1 = muster::v1;

constexpr std::uint32_t list_max = 3;

std::vector<std::string> large_group_options() {
    return {"--presence.list_max_members=" + std::to_string(list_max),
            "--presence.batch_window_ms=50"};
}

bool is_per_user(const v1::Event& event) {
    return event.has_presence() || event.has_presence_batch();
}

// Reads events until a count of `online` arrives, whatever comes before it (per-user notices
// while the node still knew the group as small). No count may overshoot `online`.
void skip_to_count(TestClient& client, std::uint64_t online) {
    for (;;) {
        const v1::Event event = client.next_event();
        if (!event.has_presence_count()) continue;
        ASSERT_LE(event.presence_count().online(), online) << event.DebugString();
        if (event.presence_count().online() == online) {
            EXPECT_FALSE(event.presence_count().listed());
            return;
        }
    }
}

// Reads events until a count of `online` arrives; every presence event before it must be a
// count (never a per-user notice) of this group with seq 0.
void await_count(TestClient& client, std::uint64_t online) {
    for (;;) {
        const v1::Event event = client.next_event();
        ASSERT_FALSE(is_per_user(event))
            << "a per-user notice in a large group: " << event.DebugString();
        if (!event.has_presence_count()) continue;
        const auto& count = event.presence_count();
        EXPECT_EQ(event.seq(), 0U);
        EXPECT_EQ(count.group(), event.group());
        EXPECT_FALSE(count.listed());
        if (count.online() == online) return;
    }
}

// Nothing but counts of `online` is on its way to `client` in `group`: the first other event,
// presence included, is the marker the client publishes now.
void expect_only_counts_of(TestClient& client, const std::string& group, std::uint64_t online) {
    client.publish(group, "marker");
    for (;;) {
        const v1::Event event = client.next_event();
        if (event.has_presence_count() && event.presence_count().online() == online) continue;
        EXPECT_TRUE(event.has_chat()) << "expected the marker, got " << event.DebugString();
        return;
    }
}

v1::ClientFrame presence_page(const std::string& group, const std::string& after,
                              std::uint32_t limit) {
    v1::ClientFrame frame;
    frame.mutable_presence()->set_group(group);
    frame.mutable_presence()->set_after(after);
    frame.mutable_presence()->set_limit(limit);
    return frame;
}

// Pages through the group `limit` users at a time; returns every user in the order received.
std::vector<std::string> page_all(TestClient& client, const std::string& group, std::uint32_t limit,
                                  std::uint64_t online) {
    std::vector<std::string> users;
    std::string after;
    for (int pages = 0; pages < 100; ++pages) {
        const auto page =
            client.expect_reply<v1::PresenceReply>(presence_page(group, after, limit));
        EXPECT_EQ(page.online(), online);
        EXPECT_LE(page.users_size(),
                  static_cast<int>(std::min(limit == 0 ? list_max : limit, list_max)));
        for (const auto& user : page.users()) users.push_back(user.user_id());
        if (page.next().empty()) break;
        EXPECT_FALSE(page.users().empty());
        if (!page.users().empty()) {
            EXPECT_EQ(page.next(), users.back());
        }
        after = page.next();
    }
    return users;
}

std::vector<std::string> user_ids(std::size_t from, std::size_t to) {
    std::vector<std::string> ids;
    for (std::size_t i = from; i < to; ++i) ids.push_back("u" + std::to_string(i));
    return ids;
}

class LargeGroupTest : public testing::TestWithParam<Backend> {
  protected:
    void SetUp() override {
        ServerOptions options;
        options.args = large_group_options();
        node_ = std::make_unique<NodeUnderTest>(GetParam(), std::move(options));
        ASSERT_TRUE(node_->start());
        create_group(server(), "big");
        create_group(server(), "small");
    }
    ServerProcess& server() { return node_->server(); }
    // A subscribed client admitted by its token's groups claim.
    TestClient join(const std::string& user, const std::string& group) {
        auto client = TestClient::connect(server(), user, {.groups = {group}});
        client.subscribe(group);
        return client;
    }

    std::unique_ptr<NodeUnderTest> node_;
};

TEST_P(LargeGroupTest, above_the_threshold_subscribers_get_counts_not_lists) {
    auto watcher = join("watcher", "big");
    std::vector<TestClient> others;
    for (const auto& user : user_ids(0, 5)) others.push_back(join(user, "big"));
    // 6 online > 3: the watcher comes to a count of 6 (per-user notices may come before it,
    // while the node still knew the group as small).
    skip_to_count(watcher, 6);
    if (HasFatalFailure()) return;
    // Known large now: arrivals are counted, never listed.
    for (const auto& user : user_ids(5, 9)) others.push_back(join(user, "big"));
    await_count(watcher, 10);
    if (HasFatalFailure()) return;
    // Departures too, as long as the group stays large.
    others.pop_back();
    others.pop_back();
    await_count(watcher, 8);
    if (HasFatalFailure()) return;
    // A subscriber of the group on another connection (its own arrival counted) hears the same.
    auto late = join("late", "big");
    await_count(late, 9);
    await_count(watcher, 9);
    // Nothing else is pending: no other count, no late per-user notice.
    expect_only_counts_of(watcher, "big", 9);
}

TEST_P(LargeGroupTest, paging_returns_everyone_exactly_once) {
    auto watcher = join("watcher", "big");
    std::vector<TestClient> others;
    for (const auto& user : user_ids(0, 8)) others.push_back(join(user, "big"));
    // A second device of one user is still one user.
    others.push_back(join("u3", "big"));
    std::vector<std::string> expected = user_ids(0, 8);
    expected.push_back("watcher");
    std::sort(expected.begin(), expected.end());
    skip_to_count(watcher, expected.size());  // every arrival is recorded
    if (HasFatalFailure()) return;
    for (std::uint32_t limit : {1U, 2U, 3U, 50U, 0U}) {
        SCOPED_TRACE("limit " + std::to_string(limit));
        EXPECT_EQ(page_all(watcher, "big", limit, expected.size()), expected);
    }
    // No limit: a page of list_max_members, the rest to follow.
    const auto first = watcher.presence("big");
    ASSERT_EQ(first.users_size(), static_cast<int>(list_max));
    EXPECT_EQ(first.next(), first.users(static_cast<int>(list_max) - 1).user_id());
    EXPECT_EQ(first.online(), expected.size());
    // A cursor that is no user (between two ids) goes on from the next one.
    const auto between = watcher.expect_reply<v1::PresenceReply>(presence_page("big", "u35", 2));
    ASSERT_EQ(between.users_size(), 2);
    EXPECT_EQ(between.users(0).user_id(), "u4");
    EXPECT_EQ(between.users(1).user_id(), "u5");
    // A cursor past the end is an empty last page.
    const auto empty = watcher.expect_reply<v1::PresenceReply>(presence_page("big", "zzz", 0));
    EXPECT_EQ(empty.users_size(), 0);
    EXPECT_TRUE(empty.next().empty());
    EXPECT_EQ(empty.online(), expected.size());
}

TEST_P(LargeGroupTest, bad_page_arguments_get_a_clear_error) {
    auto watcher = join("watcher", "big");
    auto error =
        watcher.expect_error(presence_page("big", "no spaces", 2), v1::Error::INVALID_ARGUMENT);
    EXPECT_NE(error.message().find("after"), std::string::npos) << error.message();
    error =
        watcher.expect_error(presence_page("big", std::string(200, 'a'), 2), v1::Error::TOO_LARGE);
    EXPECT_NE(error.message().find("after"), std::string::npos) << error.message();
    // Not a member: FORBIDDEN, also for a later page.
    watcher.expect_error(presence_page("small", "a", 1), v1::Error::FORBIDDEN);
    // A limit above the page size is cut to it, as history's is.
    EXPECT_EQ(page_all(watcher, "big", 1000000, 1), std::vector<std::string>{"watcher"});
}

TEST_P(LargeGroupTest, small_groups_keep_per_user_notices_and_a_shrinking_group_returns_to_them) {
    // A small group beside a large one: per-user notices, no counts.
    auto watcher = join("watcher", "small");
    auto bob = join("bob", "small");
    for (bool bob_seen = false; !bob_seen;) {
        const v1::Event event = watcher.next_event();
        ASSERT_FALSE(event.has_presence_count()) << event.DebugString();
        std::vector<v1::PresenceChange> changes;
        if (event.has_presence()) changes.push_back(event.presence());
        for (const auto& c : event.presence_batch().changes()) changes.push_back(c);
        for (const auto& c : changes) bob_seen = bob_seen || (c.user_id() == "bob" && c.online());
    }
    const auto small = watcher.presence("small");
    EXPECT_EQ(small.users_size(), 2);
    EXPECT_TRUE(small.next().empty());
    EXPECT_EQ(small.online(), 2U);

    // A large group that shrinks to the threshold says so once, then lists again.
    auto big_watcher = join("big-watcher", "big");
    std::vector<TestClient> others;
    for (const auto& user : user_ids(0, 5)) others.push_back(join(user, "big"));
    skip_to_count(big_watcher, 6);
    if (HasFatalFailure()) return;
    others.erase(others.begin() + 2, others.end());  // 3 online: small again
    for (;;) {
        const v1::Event event = big_watcher.next_event();
        ASSERT_FALSE(is_per_user(event))
            << "a per-user notice before the last count: " << event.DebugString();
        if (!event.has_presence_count()) continue;
        if (event.presence_count().listed()) {
            EXPECT_EQ(event.presence_count().online(), 3U);
            break;
        }
    }
    others.pop_back();  // listed again: u1 goes offline by name
    // (A departure the count already included may still be announced just after it.)
    const std::set<std::string> counted_out{"u2", "u3", "u4"};
    for (bool u1_seen = false; !u1_seen;) {
        const v1::Event event = big_watcher.next_event();
        ASSERT_FALSE(event.has_presence_count()) << event.DebugString();
        std::vector<v1::PresenceChange> changes;
        if (event.has_presence()) changes.push_back(event.presence());
        for (const auto& c : event.presence_batch().changes()) changes.push_back(c);
        for (const auto& change : changes) {
            EXPECT_FALSE(change.online()) << change.DebugString();
            if (change.user_id() == "u1") {
                u1_seen = true;
            } else {
                EXPECT_TRUE(counted_out.contains(change.user_id())) << change.DebugString();
            }
        }
    }
    const auto after = big_watcher.presence("big");
    EXPECT_EQ(after.online(), 2U);
    ASSERT_EQ(after.users_size(), 2);
    EXPECT_EQ(after.users(0).user_id(), "big-watcher");
    EXPECT_EQ(after.users(1).user_id(), "u0");
}

INSTANTIATE_TEST_SUITE_P(Backends, LargeGroupTest, testing::ValuesIn(all_backends()), backend_name);

// Two nodes on one Redis: arrivals on either node reach both nodes' subscribers as counts of
// everyone online on both, and pages list everyone once whichever node answers.
class LargeGroupAcrossNodesTest : public ClusterTest {};

TEST_F(LargeGroupAcrossNodesTest, counts_and_pages_cover_every_node) {
    start_nodes(2, large_group_options());
    group_with("big", {});
    auto connect = [&](std::size_t n, const std::string& user) {
        auto client = TestClient::connect(node(n), user, {.groups = {"big"}});
        client.subscribe("big");
        return client;
    };
    auto watcher = connect(0, "watcher");
    std::vector<TestClient> others;
    for (const auto& user : user_ids(0, 4)) others.push_back(connect(1, user));
    skip_to_count(watcher, 5);
    if (HasFatalFailure()) return;
    for (const auto& user : user_ids(4, 6)) others.push_back(connect(0, user));
    for (const auto& user : user_ids(6, 8)) others.push_back(connect(1, user));
    await_count(watcher, 9);
    if (HasFatalFailure()) return;
    auto observer = connect(1, "observer");
    await_count(observer, 10);
    await_count(watcher, 10);
    if (HasFatalFailure()) return;
    std::vector<std::string> expected = user_ids(0, 8);
    expected.push_back("observer");
    expected.push_back("watcher");
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(page_all(observer, "big", 2, 10), expected);
    EXPECT_EQ(page_all(watcher, "big", 3, 10), expected);
    // Departures on node 1 are counted on node 0.
    others.pop_back();  // u7 on node 1
    others.pop_back();  // u6 on node 1
    await_count(watcher, 8);
}

}  // namespace
}  // namespace muster::test
