// Duty calls on two nodes sharing one Redis or a Redis Cluster: each node runs the feature's
// rule in C++ and writes with a version-checked swap in the call's slot (retried when the other
// node wrote first), then carries the update to the other target groups' logs and the push
// outbox. So acceptors on both nodes at the same instant never over-fill a call, every node's
// subscribers in every target group see the same tally events in the same order, once each,
// and a carrying step that failed is completed later (by the next change, or by a node that
// starts) without writing anything twice.

#include <barrier>
#include <optional>
#include <set>
#include <thread>

#include "cluster_fixture.hpp"
#include "muster/codec.hpp"

namespace muster::test {
namespace {

v1::ClientFrame create_frame(const std::string& group, std::uint32_t slots,
                             bool subgroups = false) {
    const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    v1::ClientFrame frame;
    auto* create = frame.mutable_duty_create();
    create->set_group(group);
    create->set_title("Gate duty");
    create->set_starts_at_ms(now + 3'600'000);
    create->set_ends_at_ms(now + 5 * 3'600'000);
    create->set_slots(slots);
    create->set_include_subgroups(subgroups);
    return frame;
}

v1::ClientFrame accept_frame(const std::string& call) {
    v1::ClientFrame frame;
    frame.mutable_duty_respond()->set_call_id(call);
    frame.mutable_duty_respond()->set_answer(v1::DutyRespond::ACCEPT);
    return frame;
}

class DutyAcrossNodesTest : public TopologyTest {
  protected:
    // A command to the Redis that holds `key` (on a cluster: the master of its slot).
    std::optional<Resp> redis_call(const std::string& key, const std::vector<std::string>& args) {
        if (cluster_ == nullptr) return RespClient(redis_.port()).call(args);
        const auto master = cluster_->master_of(keyslot(key));
        if (!master) return std::nullopt;
        return cluster_->call(*master, args);
    }

    // The slot of a key, as the cluster computes it.
    unsigned keyslot(const std::string& key) {
        const auto reply = cluster_->call(0, {"CLUSTER", "KEYSLOT", key});
        EXPECT_TRUE(reply && reply->kind == Resp::Kind::integer);
        return reply ? static_cast<unsigned>(reply->integer) : 0;
    }

    // The key prefix the nodes use.
    [[nodiscard]] std::string prefix() const {
        return key_prefix_.empty() ? std::string("muster") : key_prefix_;
    }

    // Children of `parent` whose keys live on masters other than the parent's and each
    // other's (on one Redis: the first two names).
    std::vector<std::string> groups_on_distinct_masters(const std::string& parent) {
        std::vector<std::string> picked{parent};
        if (cluster_ == nullptr) return {parent, parent + "-1", parent + "-2"};
        const auto first = cluster_->master_of(keyslot("{g:" + parent + "}"));
        EXPECT_TRUE(first.has_value());
        if (!first) return picked;
        std::set<std::size_t> masters{*first};
        for (int i = 1; picked.size() < 3 && i < 100; ++i) {
            const std::string name = parent + "-" + std::to_string(i);
            const auto master = cluster_->master_of(keyslot("{g:" + name + "}"));
            if (master && masters.insert(*master).second) picked.push_back(name);
        }
        EXPECT_EQ(picked.size(), 3U) << "no groups on three masters";
        return picked;
    }

    // `users` accept `call` at the same instant, half through each node; exactly `slots` of
    // them are accepted and the others refused with CONFLICT. Returns who was accepted.
    std::set<std::string> accept_at_once(const std::string& call,
                                         const std::vector<std::string>& users,
                                         std::uint32_t slots) {
        const int acceptors = static_cast<int>(users.size());
        std::vector<TestClient> clients;
        clients.reserve(users.size());
        for (int i = 0; i < acceptors; ++i)
            clients.push_back(TestClient::connect(node(i % 2), users[i]));
        std::barrier start_line(acceptors);
        std::vector<std::optional<v1::ServerFrame>> replies(users.size());
        std::vector<std::thread> threads;
        threads.reserve(users.size());
        for (int i = 0; i < acceptors; ++i) {
            threads.emplace_back([&, i] {
                start_line.arrive_and_wait();
                auto reply = clients[i].session().call(accept_frame(call), default_wait);
                if (reply) replies[i] = std::move(*reply);
            });
        }
        for (auto& thread : threads) thread.join();

        std::set<std::string> accepted;
        int accepted_on[2] = {0, 0};
        int conflicts = 0;
        for (int i = 0; i < acceptors; ++i) {
            EXPECT_TRUE(replies[i].has_value()) << users[i] << " got no reply";
            if (!replies[i]) continue;
            if (replies[i]->has_duty_respond()) {
                accepted.insert(users[i]);
                ++accepted_on[i % 2];
                EXPECT_LE(replies[i]->duty_respond().tally().accepted(), slots);
            } else {
                EXPECT_TRUE(replies[i]->has_error()) << client::to_json(*replies[i]);
                EXPECT_EQ(replies[i]->error().code(), v1::Error::CONFLICT)
                    << replies[i]->error().message();
                ++conflicts;
            }
        }
        // How often a swap lost to the other node's and its rule ran again (per node).
        std::uint64_t retried = 0;
        for (int n = 0; n < 2; ++n) {
            const std::string metrics = http_call(node(n), "GET", "/metrics").body;
            const std::string name = "muster_record_swap_conflicts_total ";
            const auto at = metrics.find("\n" + name);
            EXPECT_NE(at, std::string::npos) << "no " << name << "in /metrics";
            if (at != std::string::npos)
                retried += std::stoull(metrics.substr(at + 1 + name.size()));
        }
        std::cout << "[ measured ] accepted on n0: " << accepted_on[0]
                  << ", on n1: " << accepted_on[1]
                  << "; swaps retried after the other node wrote first: " << retried << "\n";
        EXPECT_EQ(accepted.size(), slots);
        EXPECT_EQ(conflicts, acceptors - static_cast<int>(slots));
        return accepted;
    }

    // `client`, subscribed to `group`, next sees the call's `slots` updates, in seq order with
    // nothing between, the last one FILLED with `accepted`; and the group's log holds them
    // once each after the announcement at `announced`.
    static void expect_updates(TestClient& client, const std::string& group,
                               std::uint64_t announced, std::uint32_t slots,
                               const std::set<std::string>& accepted) {
        std::uint64_t last_seq = announced;
        v1::DutyUpdate last;
        for (std::uint32_t i = 1; i <= slots; ++i) {
            const auto event = client.next_log_event();
            ASSERT_TRUE(event.has_duty_update()) << client::to_json(event);
            EXPECT_EQ(event.group(), group);
            EXPECT_EQ(event.seq(), last_seq + 1);
            last_seq = event.seq();
            EXPECT_EQ(event.duty_update().accepted(), i);
            last = event.duty_update();
        }
        EXPECT_EQ(last.state(), v1::DutyCall::FILLED);
        EXPECT_EQ(std::set<std::string>(last.accepted_users().begin(), last.accepted_users().end()),
                  accepted);
        const auto logged = client.history(group, announced, std::nullopt, 100);
        ASSERT_EQ(logged.events_size(), static_cast<int>(slots)) << group;
        for (std::uint32_t i = 0; i < slots; ++i) {
            EXPECT_EQ(logged.events(static_cast<int>(i)).duty_update().accepted(), i + 1) << group;
        }
    }

    // The duty-call events logged in `group` (HistoryReply), via `client`.
    static std::vector<std::string> logged(TestClient& client, const std::string& group) {
        std::vector<std::string> out;
        const auto page = client.history(group, std::nullopt, std::nullopt, 100);
        for (const auto& event : page.events()) {
            if (event.has_duty_call()) out.push_back("call " + event.duty_call().call_id());
            if (event.has_duty_update())
                out.push_back("update " + event.duty_update().call_id() + " " +
                              std::to_string(event.duty_update().accepted()));
        }
        return out;
    }

    // A counter of a node's /metrics (0 when not listed).
    static std::uint64_t counter(const ServerProcess& server, const std::string& name) {
        const std::string metrics = http_call(server, "GET", "/metrics").body;
        const auto at = metrics.find("\n" + name + " ");
        if (at == std::string::npos) return 0;
        return std::stoull(metrics.substr(at + name.size() + 2));
    }

    // The push intents waiting for `user` (GET /api/v1/push/outbox): the call ids they name.
    std::vector<std::string> pushes_for(const std::string& user) {
        const auto response = admin_http(node(1), "GET", "/api/v1/push/outbox?user=" + user);
        EXPECT_EQ(response.status, 200) << response.body;
        std::vector<std::string> calls;
        for (std::size_t at = 0;
             (at = response.body.find("\"callId\":\"", at)) != std::string::npos;) {
            at += 10;
            calls.push_back(response.body.substr(at, response.body.find('"', at) - at));
        }
        return calls;
    }
};

TEST_P(DutyAcrossNodesTest, a_hundred_concurrent_accepts_on_two_nodes_fill_ten_slots_exactly) {
    constexpr int acceptors = 100;
    constexpr std::uint32_t slots = 10;
    start_nodes(2);
    std::vector<std::string> users;
    for (int i = 0; i < acceptors; ++i) users.push_back("vol" + std::to_string(i));
    group_with("g", users);
    add_member(node(0), "g", "coord", "coordinator");

    // The coordinator creates on node 0; a watcher on each node follows the log.
    auto coord = TestClient::connect(node(0), "coord");
    coord.subscribe("g");
    auto watcher = TestClient::connect(node(1), "vol0");
    watcher.subscribe("g");
    const auto call = coord.expect_reply<v1::DutyCreateReply>(create_frame("g", slots));
    ASSERT_TRUE(coord.next_log_event().has_duty_call());
    ASSERT_TRUE(watcher.next_log_event().has_duty_call());

    const auto accepted = accept_at_once(call.call_id(), users, slots);
    // Both nodes' subscribers see the same ten updates, in seq order, the last one FILLED.
    expect_updates(coord, "g", call.seq(), slots, accepted);
    expect_updates(watcher, "g", call.seq(), slots, accepted);

    // The record, read through the other node, says the same.
    const auto response = http_call(node(1), "GET", "/api/v1/duty-calls/" + call.call_id(), {},
                                    node(1).token("coord"));
    ASSERT_EQ(response.status, 200) << response.body;
    v1::DutyCallRecord record;
    ASSERT_TRUE(client::from_json(response.body, record)) << response.body;
    EXPECT_EQ(record.tally().accepted(), slots);
    EXPECT_EQ(record.tally().state(), v1::DutyCall::FILLED);
    EXPECT_EQ(record.responses_size(), static_cast<int>(slots));
}

// A subtree call whose three target groups live on three different masters of the cluster:
// the call's slot decides, the other two get every update by the carrying step, in order,
// once each, with 100 acceptors from all three groups racing on two nodes.
TEST_P(DutyAcrossNodesTest, a_subtree_call_across_masters_logs_every_update_once_in_each_group) {
    constexpr int acceptors = 100;
    constexpr std::uint32_t slots = 10;
    start_nodes(2);
    const auto groups = groups_on_distinct_masters("sd");
    ASSERT_EQ(groups.size(), 3U);
    std::vector<std::vector<std::string>> members(3);
    std::vector<std::string> users;
    for (int i = 0; i < acceptors; ++i) {
        users.push_back("vol" + std::to_string(i));
        members[i % 3].push_back(users.back());
    }
    group_with(groups[0], members[0]);
    group_with(groups[1], members[1], groups[0]);
    group_with(groups[2], members[2], groups[0]);
    add_member(node(0), groups[0], "coord", "coordinator");

    // A watcher per group (vol0, vol1, vol2: one in each), on alternating nodes.
    auto coord = TestClient::connect(node(0), "coord");
    coord.subscribe(groups[0]);
    std::vector<TestClient> watchers;
    watchers.reserve(3);
    for (std::size_t g = 0; g < 3; ++g) {
        watchers.push_back(TestClient::connect(node((g + 1) % 2), users[g]));
        watchers.back().subscribe(groups[g]);
    }
    const auto call = coord.expect_reply<v1::DutyCreateReply>(create_frame(groups[0], slots, true));
    ASSERT_TRUE(coord.next_log_event().has_duty_call());
    std::vector<std::uint64_t> announced;
    for (std::size_t g = 0; g < 3; ++g) {
        const auto event = watchers[g].next_log_event();
        ASSERT_TRUE(event.has_duty_call()) << client::to_json(event);
        EXPECT_EQ(event.duty_call().call_id(), call.call_id());
        EXPECT_EQ(event.duty_call().target_groups_size(), 3);
        announced.push_back(event.seq());
    }

    const auto accepted = accept_at_once(call.call_id(), users, slots);
    expect_updates(coord, groups[0], announced[0], slots, accepted);
    for (std::size_t g = 0; g < 3; ++g)
        expect_updates(watchers[g], groups[g], announced[g], slots, accepted);

    // Listed in every target group, with its state, through either node.
    for (std::size_t g = 0; g < 3; ++g) {
        const auto listed =
            http_call(node(g % 2), "GET", "/api/v1/duty-calls?group=" + groups[g] + "&state=FILLED",
                      {}, node(g % 2).token(users[g]));
        ASSERT_EQ(listed.status, 200) << listed.body;
        EXPECT_NE(listed.body.find(call.call_id()), std::string::npos) << groups[g] << listed.body;
    }
}

// The carrying step fails after the decision (a target group's bookkeeping key is made
// unwritable: a wrong type): the call's own group has the update, the failing group not yet.
// The next change of the call completes it, and so does a node that starts; no group logs an
// event twice and no push intent is recorded twice.
TEST_P(DutyAcrossNodesTest, a_carrying_step_that_failed_is_completed_without_duplicates) {
    if (!on_cluster()) key_prefix_ = "pf";
    // Only a change or a start may carry: the timers' sweep stays away. The intents wait in
    // the outbox, where the test counts them.
    start_nodes(2, {"--duty.sweep_interval_s=3600", "--push.worker=false"});
    const auto groups = groups_on_distinct_masters("sd");
    ASSERT_EQ(groups.size(), 3U);
    // off*: members with no connection, pushed.
    group_with(groups[0], {"off0"});
    group_with(groups[1], {"vola", "offa"}, groups[0]);
    group_with(groups[2], {"volb", "offb"}, groups[0]);
    add_member(node(0), groups[0], "coord", "coordinator");
    auto coord = TestClient::connect(node(0), "coord");
    coord.subscribe(groups[0]);
    auto vola = TestClient::connect(node(1), "vola");
    vola.subscribe(groups[1]);
    auto volb = TestClient::connect(node(1), "volb");
    volb.subscribe(groups[2]);

    const std::string broken = prefix() + ":{g:" + groups[2] + "}:duty_fanned";
    auto set_broken = [&](bool on) {
        const auto reply = on ? redis_call(broken, {"SET", broken, "not a hash"})
                              : redis_call(broken, {"DEL", broken});
        ASSERT_TRUE(reply && !reply->is_error()) << (reply ? reply->str : "no reply");
    };

    // 1. Decided and carried to the outbox and group 1, not to group 2.
    set_broken(true);
    const auto first = coord.expect_reply<v1::DutyCreateReply>(create_frame(groups[0], 2, true));
    ASSERT_TRUE(coord.next_log_event().has_duty_call());
    ASSERT_TRUE(vola.next_log_event().has_duty_call());
    const std::string c1 = first.call_id();
    EXPECT_EQ(logged(volb, groups[2]), std::vector<std::string>{});
    EXPECT_EQ(counter(node(0), "muster_duty_carry_failures_total"), 1U);
    for (const auto* user : {"off0", "offa", "offb"})
        EXPECT_EQ(pushes_for(user), std::vector<std::string>{c1}) << user;

    // 2. The next change (through the other node) carries both updates, in order.
    set_broken(false);
    const auto answered = volb.expect_reply<v1::DutyRespondReply>(accept_frame(c1));
    EXPECT_EQ(answered.tally().accepted(), 1U);
    const auto announced = volb.next_log_event();
    ASSERT_TRUE(announced.has_duty_call()) << client::to_json(announced);
    const auto updated = volb.next_log_event();
    ASSERT_TRUE(updated.has_duty_update()) << client::to_json(updated);
    EXPECT_EQ(updated.seq(), announced.seq() + 1);
    ASSERT_TRUE(vola.next_log_event().has_duty_update());
    ASSERT_TRUE(coord.next_log_event().has_duty_update());
    const std::vector<std::string> once{"call " + c1, "update " + c1 + " 1"};
    EXPECT_EQ(logged(coord, groups[0]), once);
    EXPECT_EQ(logged(vola, groups[1]), once);
    EXPECT_EQ(logged(volb, groups[2]), once);
    for (const auto* user : {"off0", "offa", "offb"})
        EXPECT_EQ(pushes_for(user), std::vector<std::string>{c1}) << user;

    // 3. Left half-carried again; a node that starts completes it (node 0 restarts).
    set_broken(true);
    const auto second = coord.expect_reply<v1::DutyCreateReply>(create_frame(groups[0], 2, true));
    const std::string c2 = second.call_id();
    ASSERT_TRUE(vola.next_log_event().has_duty_call());
    EXPECT_EQ(logged(volb, groups[2]), once);
    set_broken(false);
    ASSERT_TRUE(node(0).restart());
    const auto late = volb.next_log_event();
    ASSERT_TRUE(late.has_duty_call()) << client::to_json(late);
    EXPECT_EQ(late.duty_call().call_id(), c2);
    const std::vector<std::string> twice{"call " + c1, "update " + c1 + " 1", "call " + c2};
    EXPECT_EQ(logged(volb, groups[2]), twice);
    EXPECT_EQ(logged(vola, groups[1]), twice);
    for (const auto* user : {"off0", "offa", "offb"})
        EXPECT_EQ(pushes_for(user), (std::vector<std::string>{c1, c2})) << user;
}

INSTANTIATE_TEST_SUITE_P(Redis, DutyAcrossNodesTest, each_topology(), topology_name);

}  // namespace
}  // namespace muster::test
