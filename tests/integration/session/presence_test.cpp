// Presence: who is online in a group, pushed live and never logged; one user with several
// devices is online once.

#include "session_fixture.hpp"

namespace muster::test {
namespace {

class PresenceTest : public SessionTest {};

// The next event, which must be presence of `user` with `online`.
void expect_presence(TestClient& client, const std::string& user, bool online) {
    const v1::Event event = client.next_event();
    ASSERT_TRUE(event.has_presence()) << event.DebugString();
    EXPECT_EQ(event.seq(), 0U);
    EXPECT_EQ(event.presence().user_id(), user);
    EXPECT_EQ(event.presence().online(), online);
}

// The next event, presence included, is the marker `via` publishes now.
void expect_no_presence(TestClient& client, TestClient& via, const std::string& group) {
    const std::string marker = "marker-" + std::to_string(via.publish(group, "marker").seq());
    (void)marker;
    const v1::Event event = client.next_event();
    EXPECT_TRUE(event.has_chat()) << "expected the marker, got " << event.DebugString();
}

TEST_P(PresenceTest, devices_of_one_user_are_online_once) {
    start();
    group_with("g", {"alice", "bob"});
    auto alice = TestClient::connect(server(), "alice");
    alice.subscribe("g");
    expect_presence(alice, "alice", true);  // her own arrival

    auto phone = TestClient::connect(server(), "bob", {.name = "鲍勃"});
    phone.subscribe("g");
    expect_presence(alice, "bob", true);
    auto laptop = TestClient::connect(server(), "bob");
    laptop.subscribe("g");
    expect_no_presence(alice, alice, "g");  // the second device changes nothing

    const auto list = alice.presence("g");
    ASSERT_EQ(list.users_size(), 2);
    std::vector<std::string> users{list.users(0).user_id(), list.users(1).user_id()};
    std::sort(users.begin(), users.end());
    EXPECT_EQ(users, (std::vector<std::string>{"alice", "bob"}));

    phone.close();
    expect_no_presence(alice, alice, "g");  // still on the laptop
    laptop.unsubscribe("g");
    expect_presence(alice, "bob", false);
    EXPECT_EQ(alice.presence("g").users_size(), 1);
}

TEST_P(PresenceTest, presence_is_not_on_the_log) {
    start();
    group_with("g", {"alice", "bob"});
    auto alice = TestClient::connect(server(), "alice");
    alice.subscribe("g");
    auto bob = TestClient::connect(server(), "bob");
    bob.subscribe("g");
    bob.close();
    alice.publish("g", "only this is logged");
    const auto history = alice.history("g", 0, std::nullopt);
    ASSERT_EQ(history.events_size(), 1);
    EXPECT_TRUE(history.events(0).has_chat());
}

TEST_P(PresenceTest, presence_needs_membership) {
    start();
    group_with("g", {"alice"});
    auto mallory = TestClient::connect(server(), "mallory");
    v1::ClientFrame frame;
    frame.mutable_presence()->set_group("g");
    mallory.expect_error(frame, v1::Error::FORBIDDEN);
}

INSTANTIATE_TEST_SUITE_P(Backends, PresenceTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test
